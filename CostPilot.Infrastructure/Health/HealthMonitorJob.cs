using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CostPilot.Infrastructure.Health;

/// <summary>
/// Recurring job, every minute: checks every component and records the results in <c>health_checks</c> (kept
/// <see cref="Retention"/>), logs each component whose status changed since its last record, tells open System pages, then
/// resumes long-running work left in progress with nobody on it (<see cref="JobReconciler"/>).
/// </summary>
public sealed partial class HealthMonitorJob(
    HealthService health,
    JobReconciler reconciler,
    HealthRunHub runs,
    IDbContextFactory<CostPilotDbContext> dbFactory,
    TimeProvider clock,
    ILogger<HealthMonitorJob> logger)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    // The advisory lock that makes runs record one after another, across nodes ("health_checks" in ASCII).
    private const long RecordLockKey = 0x6865616c74685f63;

    // The longest detail the column holds (HealthCheckRecordConfiguration).
    private const int MaxDetailLength = 1000;

    /// <summary>A component whose status differs from its last stored record (<see cref="Previous"/> null: it had none).</summary>
    public sealed record Change(string Component, HealthStatus? Previous, HealthStatus Current, string Detail);

    public async Task<HealthReport> RunAsync(CancellationToken ct)
    {
        var report = await health.CheckAsync(ct);
        IReadOnlyList<Change> changes;
        try
        {
            changes = await RecordAsync(report, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing to compare with (the database is likely what is down): say what is wrong, every run, until it is back.
            foreach (var c in report.Components.Where(c => c.Status != HealthStatus.Healthy))
            {
                LogNotRecorded(logger, c.Component, c.Status, c.Detail);
            }
            throw;
        }
        foreach (var change in changes)
        {
            var previous = change.Previous?.ToString() ?? "unknown";
            if (change.Current > (change.Previous ?? HealthStatus.Healthy))
            {
                LogWorse(logger, change.Component, previous, change.Current, change.Detail);
            }
            else
            {
                LogBetter(logger, change.Component, previous, change.Current, change.Detail);
            }
        }
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var cutoff = clock.GetUtcNow() - Retention;
            await db.HealthChecks.Where(h => h.CheckedAt < cutoff).ExecuteDeleteAsync(ct);
        }
        try
        {
            await runs.PublishAsync(report.CheckedAt, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Open pages miss this run and show it with the next one.
            LogPublishFailed(logger, e);
        }
        try
        {
            await reconciler.ReconcileAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The health record is written; the next minute tries again.
            LogReconcileFailed(logger, e);
        }
        return report;
    }

    /// <summary>
    /// Stores the report and returns what changed since each component's last record. Runs record one at a time (an advisory
    /// lock held until commit), so two runs at once (two nodes, a retry beside the next occurrence) never both see the old
    /// status: the second compares with the first's record, and a change is reported by one run only.
    /// </summary>
    private async Task<IReadOnlyList<Change>> RecordAsync(HealthReport report, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({RecordLockKey})", ct);
        var names = report.Components.Select(c => c.Component).ToList();
        var last = await db.HealthChecks.AsNoTracking()
            .Where(h => names.Contains(h.Component))
            .GroupBy(h => h.Component)
            .Select(g => g.OrderByDescending(h => h.CheckedAt).ThenByDescending(h => h.Id).Select(h => new { h.Component, h.Status }).First())
            .ToDictionaryAsync(h => h.Component, h => h.Status, StringComparer.Ordinal, ct);
        db.HealthChecks.AddRange(report.Components.Select(c => new HealthCheckRecord
        {
            CheckedAt = report.CheckedAt,
            Component = c.Component,
            Status = c.Status,
            Detail = c.Detail.Length > MaxDetailLength ? c.Detail[..MaxDetailLength] : c.Detail,
            DurationMs = c.Duration.TotalMilliseconds,
        }));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return
        [
            .. report.Components
                .Select(c => new Change(c.Component, last.TryGetValue(c.Component, out var s) ? s : null, c.Status, c.Detail))
                // A first record that is healthy is no news; a first one that is not is.
                .Where(c => c.Previous is { } previous ? previous != c.Current : c.Current != HealthStatus.Healthy),
        ];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reconcile interrupted work; the next run tries again")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell open pages about the health run")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Component {Component} went from {PreviousStatus} to {HealthStatus}: {Detail}")]
    private static partial void LogWorse(ILogger logger, string component, string previousStatus, HealthStatus healthStatus, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Component {Component} went from {PreviousStatus} to {HealthStatus}: {Detail}")]
    private static partial void LogBetter(ILogger logger, string component, string previousStatus, HealthStatus healthStatus, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Component {Component} is {HealthStatus} (not recorded: the health record could not be stored): {Detail}")]
    private static partial void LogNotRecorded(ILogger logger, string component, HealthStatus healthStatus, string detail);
}
