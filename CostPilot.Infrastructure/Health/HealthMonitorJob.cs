using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CostPilot.Infrastructure.Health;

/// <summary>Recurring job: checks every component and records the results in <c>health_checks</c>.</summary>
public sealed partial class HealthMonitorJob(
    HealthService health,
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
        return report;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Component {Component} is {HealthStatus}: {Detail}")]
    private static partial void LogComponentNotHealthy(ILogger logger, string component, HealthStatus healthStatus, string detail);
}
