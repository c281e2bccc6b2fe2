using System.Diagnostics;
using CostPilot.Domain.Health;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Infrastructure.Health;

/// <summary>Settings under <c>CostPilot:Health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "CostPilot:Health";

    /// <summary>How long <c>GET /api/health</c> answers with the last check before it checks again (default 5 s; 0: every time).</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A job server whose last heartbeat is older than this counts as gone.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromMinutes(2);
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Folder whose disk is watched (the data folder).</summary>
    public string? StoragePath { get; set; }
}

/// <summary>Checks the database, the job servers' heartbeats and the disk. Never throws: a failure is a result.</summary>
public sealed partial class HealthService(
    NpgsqlDataSource dataSource,
    JobStorage jobStorage,
    PricingAdminService pricing,
    TimeProvider clock,
    IOptions<HealthOptions> options,
    ILogger<HealthService> logger)
{
    public const string Database = "database";
    public const string Jobs = "jobs";
    public const string Storage = "storage";
    public const string Prices = "prices";

    private readonly Lock _recentGate = new();
    private (Task<HealthReport> Check, DateTimeOffset StartedAt)? _recent;

    /// <summary>
    /// The latest check if it started within <see cref="HealthOptions.CacheFor"/>, else a new one. Callers at the same
    /// moment share one check, so however often the endpoint is asked, the database sees one check per period.
    /// </summary>
    public Task<HealthReport> RecentAsync()
    {
        var cacheFor = options.Value.CacheFor;
        if (cacheFor <= TimeSpan.Zero)
        {
            return CheckAsync();
        }
        lock (_recentGate)
        {
            var now = clock.GetUtcNow();
            if (_recent is { } recent && now - recent.StartedAt < cacheFor)
            {
                return recent.Check;
            }
            // Not tied to one caller's request: the others wait on it too. A check never throws (a failure is a result).
            var check = CheckAsync(CancellationToken.None);
            _recent = (check, now);
            return check;
        }
    }

    public async Task<HealthReport> CheckAsync(CancellationToken ct = default)
    {
        var components = await Task.WhenAll(
            TimedAsync(Database, CheckDatabaseAsync, ct),
            TimedAsync(Jobs, CheckJobServersAsync, ct),
            TimedAsync(Storage, _ => Task.FromResult(CheckStorage()), ct),
            TimedAsync(Prices, CheckPricesAsync, ct));
        return new HealthReport(clock.GetUtcNow(), components);
    }

    private async Task<ComponentHealth> TimedAsync(
        string name, Func<CancellationToken, Task<(HealthStatus, string)>> check, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.CheckTimeout);
        try
        {
            var (status, detail) = await check(timeout.Token).WaitAsync(timeout.Token);
            return new ComponentHealth(name, status, detail, watch.Elapsed);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ComponentHealth(name, HealthStatus.Unhealthy, $"No answer within {options.Value.CheckTimeout.TotalSeconds:0} s.", watch.Elapsed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCheckFailed(logger, e, name);
            return new ComponentHealth(name, HealthStatus.Unhealthy, Describe(name, e), watch.Elapsed);
        }
    }

    private async Task<(HealthStatus, string)> CheckDatabaseAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(ct);
        return (HealthStatus.Healthy, "Reachable.");
    }

    /// <summary>
    /// Unhealthy when no server is registered or none has sent a heartbeat within <see cref="HealthOptions.HeartbeatTimeout"/>;
    /// degraded when some have not. The detail names each silent server and when it was last seen (Hangfire keeps a dead
    /// server listed for a few minutes before it removes it; then it is simply gone).
    /// </summary>
    private Task<(HealthStatus, string)> CheckJobServersAsync(CancellationToken ct)
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
        (HealthStatus, string) result = alive switch
        {
            0 when servers.Count == 0 => (HealthStatus.Unhealthy, "No job server is registered."),
            0 => (HealthStatus.Unhealthy, $"No job server has sent a heartbeat in the last {timeout.TotalMinutes:0} minutes: {Silent(silent)}."),
            _ when silent.Count > 0 => (HealthStatus.Degraded, $"{alive} of {servers.Count} job servers are alive; {Silent(silent)}."),
            _ => (HealthStatus.Healthy, alive == 1 ? "1 job server is alive." : $"{alive} job servers are alive."),
        };
        return Task.FromResult(result);
    }

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

    /// <summary>Degraded (never unhealthy: old prices are still prices) when the catalog is stale or the last refresh failed.</summary>
    private async Task<(HealthStatus, string)> CheckPricesAsync(CancellationToken ct)
    {
        var status = await pricing.StatusAsync(ct);
        var catalog = $"Prices from the {(status.Info.Source == PriceCatalogInfo.SnapshotSource ? "shipped snapshot" : "AWS Price List")}, " +
            $"published {status.Info.PublishedAt:yyyy-MM-dd} ({(int)status.Age.TotalDays} days ago).";
        if (status.LastRefreshFailed)
        {
            return (HealthStatus.Degraded, $"{catalog} The last refresh failed: {status.LastRefresh!.Message}");
        }
        return status.IsStale
            ? (HealthStatus.Degraded, $"{catalog} Older than {PriceCatalogInfo.MaxAge.TotalDays:0} days: refresh them.")
            : (HealthStatus.Healthy, catalog);
    }

    private (HealthStatus, string) CheckStorage()
    {
        var path = options.Value.StoragePath is { Length: > 0 } p && Directory.Exists(p) ? p : AppContext.BaseDirectory;
        var drive = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(path))!);
        var free = drive.AvailableFreeSpace;
        var fraction = drive.TotalSize > 0 ? (double)free / drive.TotalSize : 0;
        var detail = $"{free / (1024.0 * 1024 * 1024):0.0} GiB free ({fraction:P0}).";
        return free < 256L * 1024 * 1024 ? (HealthStatus.Unhealthy, detail)
            : free < 2L * 1024 * 1024 * 1024 || fraction < 0.05 ? (HealthStatus.Degraded, detail)
            : (HealthStatus.Healthy, detail);
    }

    // Details are public (GET /api/health needs no sign-in): name the failure, never the connection string.
    private static string Describe(string component, Exception e) => e switch
    {
        PostgresException pg => $"The database refused the check ({pg.SqlState}).",
        NpgsqlException or System.Net.Sockets.SocketException => component == Database
            ? "Cannot connect to the database."
            : "Cannot read job server heartbeats: the database is unreachable.",
        _ => $"The check failed ({e.GetType().Name}).",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check of {Component} failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string component);
}
