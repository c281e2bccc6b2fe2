using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Infrastructure.Health;

/// <summary>The health checks, registered on ASP.NET Core's health-check framework, and the tags that pick them.</summary>
public static class CostPilotHealthChecks
{
    /// <summary>The components <c>GET /api/health</c>, the health monitor and the System page report.</summary>
    public const string ComponentTag = "component";

    /// <summary>What <c>/health/ready</c> asks: can this node serve (database, migrations, a job server somewhere)?</summary>
    public const string ReadyTag = "ready";

    public const string Migrations = "migrations";

    /// <summary>The key of <see cref="HealthCheckResult.Data"/> holding a detail fit for anonymous callers, when the description is not.</summary>
    public const string PublicDetailKey = "publicDetail";

    /// <summary>Registers the checks; each gets <see cref="HealthOptions.CheckTimeout"/> (as configured under <c>CostPilot:Health</c>).</summary>
    public static IHealthChecksBuilder AddCostPilotHealthChecks(this IServiceCollection services, IConfiguration config)
    {
        var timeout = (config.GetSection(HealthOptions.Section).Get<HealthOptions>() ?? new HealthOptions()).CheckTimeout;
        return services.AddHealthChecks()
            // The maintained check (AspNetCore.HealthChecks.NpgSql) over the app's own data source: SELECT 1.
            .AddNpgSql(sp => sp.GetRequiredService<NpgsqlDataSource>(), name: HealthService.Database,
                tags: [ComponentTag, ReadyTag], timeout: timeout)
            .AddCheck<JobServersHealthCheck>(HealthService.Jobs, tags: [ComponentTag, ReadyTag], timeout: timeout)
            .AddCheck<StorageHealthCheck>(HealthService.Storage, tags: [ComponentTag], timeout: timeout)
            .AddCheck<PriceCatalogHealthCheck>(HealthService.Prices, tags: [ComponentTag], timeout: timeout)
            .AddCheck<MigrationsHealthCheck>(Migrations, tags: [ReadyTag], timeout: timeout);
    }
}

/// <summary>
/// Unhealthy when no job server is registered or none has sent a heartbeat within <see cref="HealthOptions.HeartbeatTimeout"/>;
/// degraded when some have not. The description names each silent server and when it was last seen (for admins; Hangfire
/// keeps a dead server listed for a few minutes before it removes it); the public detail only counts them.
/// </summary>
public sealed class JobServersHealthCheck(JobStorage jobStorage, TimeProvider clock, IOptions<HealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = jobStorage.GetMonitoringApi().Servers();
        var now = clock.GetUtcNow();
        var timeout = options.Value.HeartbeatTimeout;
        var silent = servers
            .Select(s => (Name: JobServers.ShortName(s.Name), Age: s.Heartbeat is { } beat ? now - AsUtc(beat) : (TimeSpan?)null))
            .Where(s => s.Age is not { } age || age > timeout)
            .OrderByDescending(s => s.Age ?? TimeSpan.MaxValue)
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        var alive = servers.Count - silent.Count;
        var result = alive switch
        {
            0 when servers.Count == 0 => HealthCheckResult.Unhealthy("No job server is registered."),
            0 => WithPublic(HealthStatus.Unhealthy,
                $"No job server has sent a heartbeat in the last {timeout.TotalMinutes:0} minutes: {Silent(silent)}.",
                $"No job server has sent a heartbeat in the last {timeout.TotalMinutes:0} minutes."),
            _ when silent.Count > 0 => WithPublic(HealthStatus.Degraded,
                $"{alive} of {servers.Count} job servers are alive; {Silent(silent)}.",
                $"{alive} of {servers.Count} job servers are alive."),
            _ => HealthCheckResult.Healthy(alive == 1 ? "1 job server is alive." : $"{alive} job servers are alive."),
        };
        return Task.FromResult(result);
    }

    private static HealthCheckResult WithPublic(HealthStatus status, string detail, string publicDetail) =>
        new(status, detail, data: new Dictionary<string, object> { [CostPilotHealthChecks.PublicDetailKey] = publicDetail });

    /// <summary>Hangfire reads heartbeats as UTC (timestamptz); an unspecified kind is UTC too.</summary>
    private static DateTimeOffset AsUtc(DateTime at) => new(DateTime.SpecifyKind(at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : at, DateTimeKind.Utc));

    /// <summary>"vm:11448 last seen 3 min ago, web-2:7 never sent one" (three at most, then how many more).</summary>
    private static string Silent(List<(string Name, TimeSpan? Age)> silent)
    {
        const int Named = 3;
        var named = silent.Take(Named).Select(s => s.Age is { } age ? $"{s.Name} last seen {JobServers.Ago(age)}" : $"{s.Name} never sent one");
        var text = string.Join(", ", named);
        return silent.Count > Named ? $"{text} and {silent.Count - Named} more" : text;
    }
}

/// <summary>Free space on the data folder's disk: unhealthy under 256 MiB, degraded under 2 GiB or 5 %.</summary>
public sealed class StorageHealthCheck(IOptions<HealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var path = options.Value.StoragePath is { Length: > 0 } p && Directory.Exists(p) ? p : AppContext.BaseDirectory;
        var drive = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(path))!);
        var free = drive.AvailableFreeSpace;
        var fraction = drive.TotalSize > 0 ? (double)free / drive.TotalSize : 0;
        var detail = $"{free / (1024.0 * 1024 * 1024):0.0} GiB free ({fraction:P0}).";
        var status = free < 256L * 1024 * 1024 ? HealthStatus.Unhealthy
            : free < 2L * 1024 * 1024 * 1024 || fraction < 0.05 ? HealthStatus.Degraded
            : HealthStatus.Healthy;
        return Task.FromResult(new HealthCheckResult(status, detail));
    }
}

/// <summary>Degraded (never unhealthy: old prices are still prices) when the catalog is stale or the last refresh failed.</summary>
public sealed class PriceCatalogHealthCheck(PricingAdminService pricing) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = await pricing.StatusAsync(cancellationToken);
        var catalog = $"Prices from the {(status.Info.Source == PriceCatalogInfo.SnapshotSource ? "shipped snapshot" : "AWS Price List")}, " +
            $"published {status.Info.PublishedAt:yyyy-MM-dd} ({(int)status.Age.TotalDays} days ago).";
        if (status.LastRefreshFailed)
        {
            return HealthCheckResult.Degraded($"{catalog} The last refresh failed: {status.LastRefresh!.Message}");
        }
        return status.IsStale
            ? HealthCheckResult.Degraded($"{catalog} Older than {PriceCatalogInfo.MaxAge.TotalDays:0} days: refresh them.")
            : HealthCheckResult.Healthy(catalog);
    }
}

/// <summary>Unhealthy while the database lacks a migration this build knows (the node must not serve on an old schema).</summary>
public sealed class MigrationsHealthCheck(IDbContextFactory<CostPilotDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
        return pending == 0
            ? HealthCheckResult.Healthy("Every migration has run.")
            : HealthCheckResult.Unhealthy($"{pending} migration{(pending == 1 ? " has" : "s have")} not run yet.");
    }
}
