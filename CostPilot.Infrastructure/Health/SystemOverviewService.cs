using CostPilot.Domain.Accounts;
using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Health;

public sealed record WorkerRow(string Name, int Workers, IReadOnlyList<string> Queues, DateTime StartedAt, DateTime? Heartbeat);

public sealed record JobCounts(long Enqueued, long Processing, long Scheduled, long Succeeded, long Failed, long Recurring);

public sealed record LatestHealth(string Component, HealthStatus Status, string Detail, DateTimeOffset CheckedAt);

public sealed record SystemOverview(
    int Users,
    int Accounts,
    int AccountsInError,
    int Instances,
    JobCounts Jobs,
    IReadOnlyList<WorkerRow> Workers,
    IReadOnlyList<LatestHealth> Health,
    int ErrorsLastDay,
    DateTimeOffset At);

/// <summary>What the admin dashboard shows: counts, job workers and their heartbeats, the latest health results, as of <c>At</c>.</summary>
public sealed class SystemOverviewService(IDbContextFactory<CostPilotDbContext> dbFactory, JobStorage jobStorage, TimeProvider clock)
{
    public async Task<Result<SystemOverview>> GetAsync(Caller caller, CancellationToken ct = default)
    {
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var since = clock.GetUtcNow().AddDays(-1);
        var users = await db.Users.CountAsync(ct);
        var accounts = await db.Accounts.CountAsync(ct);
        var inError = await db.Accounts.CountAsync(a => a.Status == AccountStatus.Error, ct);
        var instances = await db.Instances.CountAsync(i => i.GoneAt == null, ct);
        var errors = await db.SystemLogs.CountAsync(l => l.Timestamp >= since && (l.Level == "Error" || l.Level == "Fatal"), ct);
        var latest = await db.HealthChecks.AsNoTracking()
            .GroupBy(h => h.Component)
            .Select(g => g.OrderByDescending(h => h.CheckedAt).First())
            .ToListAsync(ct);

        var monitor = jobStorage.GetMonitoringApi();
        var stats = monitor.GetStatistics();
        var workers = monitor.Servers()
            .Select(s => new WorkerRow(s.Name, s.WorkersCount, [.. s.Queues], s.StartedAt, s.Heartbeat))
            .OrderBy(w => w.Name, StringComparer.Ordinal)
            .ToList();
        return new SystemOverview(
            users, accounts, inError, instances,
            new JobCounts(stats.Enqueued, stats.Processing, stats.Scheduled, stats.Succeeded, stats.Failed, stats.Recurring),
            workers,
            [.. latest.OrderBy(h => h.Component).Select(h => new LatestHealth(h.Component, h.Status, h.Detail, h.CheckedAt))],
            errors,
            clock.GetUtcNow());
    }
}
