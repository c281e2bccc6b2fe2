using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Optimization;

/// <summary>An account's availability this month against its target, from <c>downtime_logs</c>; and setting the target (its owner only).</summary>
public sealed class AvailabilityService(IDbContextFactory<CostPilotDbContext> dbFactory, TimeProvider clock)
{
    private static readonly ServiceError NotYours = ServiceError.NotFound("That account does not exist or is not yours.");

    public async Task<Result<AvailabilityReport>> GetAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct);
        if (account is null)
        {
            return NotYours;
        }
        var now = clock.GetUtcNow();
        var monthStart = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var downtime = await db.DowntimeLogs.AsNoTracking()
            .Where(d => d.AccountId == accountId && (d.EndedAt == null || d.EndedAt > monthStart))
            .Select(d => new DowntimeInterval(d.InstanceId, d.StartedAt, d.EndedAt))
            .ToListAsync(ct);
        var running = await db.Instances.CountAsync(i => i.AccountId == accountId && i.GoneAt == null && i.State == InstanceState.Running, ct);
        return AvailabilityReport.Measure(account.AvailabilityTarget, downtime, running, now);
    }

    public async Task<Result> SetTargetAsync(Caller caller, Guid accountId, decimal percent, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (Account.AvailabilityTargetError(percent) is { } error)
        {
            return ServiceError.Invalid(error);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct);
        if (account is null)
        {
            return NotYours;
        }
        account.SetAvailabilityTarget(percent);
        await db.SaveChangesAsync(ct);
        return Result.Ok;
    }
}
