using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CostPilot.Infrastructure.Health;

/// <summary>
/// Recurring job, every minute: checks every component and records the results in <c>health_checks</c>, then resumes
/// long-running work left in progress with nobody on it (<see cref="JobReconciler"/>).
/// </summary>
public sealed partial class HealthMonitorJob(
    HealthService health,
    JobReconciler reconciler,
    IDbContextFactory<CostPilotDbContext> dbFactory,
    TimeProvider clock,
    ILogger<HealthMonitorJob> logger)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public async Task<HealthReport> RunAsync(CancellationToken ct)
    {
        var report = await health.CheckAsync(ct);
        foreach (var c in report.Components.Where(c => c.Status != HealthStatus.Healthy))
        {
            LogComponentNotHealthy(logger, c.Component, c.Status, c.Detail);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.HealthChecks.AddRange(report.Components.Select(c => new HealthCheckRecord
        {
            CheckedAt = report.CheckedAt,
            Component = c.Component,
            Status = c.Status,
            Detail = c.Detail,
            DurationMs = c.Duration.TotalMilliseconds,
        }));
        await db.SaveChangesAsync(ct);
        var cutoff = clock.GetUtcNow() - Retention;
        await db.HealthChecks.Where(h => h.CheckedAt < cutoff).ExecuteDeleteAsync(ct);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reconcile interrupted work; the next run tries again")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Component {Component} is {HealthStatus}: {Detail}")]
    private static partial void LogComponentNotHealthy(ILogger logger, string component, HealthStatus healthStatus, string detail);
}
