using CostPilot.Domain.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using FrameworkStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus;
using HealthReport = CostPilot.Domain.Health.HealthReport;
using HealthStatus = CostPilot.Domain.Health.HealthStatus;

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

/// <summary>
/// The components' health as CostPilot reports it (<c>GET /api/health</c>, the health monitor, the System page), read from
/// ASP.NET Core's <see cref="HealthCheckService"/> (the checks tagged <see cref="CostPilotHealthChecks.ComponentTag"/>).
/// Never throws: a failure is a result, and its detail never carries a connection string or an exception's message.
/// </summary>
public sealed partial class HealthService(
    HealthCheckService checks,
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
        var report = await checks.CheckHealthAsync(r => r.Tags.Contains(CostPilotHealthChecks.ComponentTag), ct);
        return new HealthReport(clock.GetUtcNow(), [.. report.Entries.Select(e => Component(e.Key, e.Value))]);
    }

    /// <summary>The framework's report as CostPilot's: the same status names, detail and duration per component.</summary>
    public static HealthStatus StatusOf(FrameworkStatus status) => status switch
    {
        FrameworkStatus.Healthy => HealthStatus.Healthy,
        FrameworkStatus.Degraded => HealthStatus.Degraded,
        _ => HealthStatus.Unhealthy,
    };

    private ComponentHealth Component(string name, HealthReportEntry entry)
    {
        var status = StatusOf(entry.Status);
        string detail;
        if (entry.Exception is OperationCanceledException)
        {
            detail = $"No answer within {options.Value.CheckTimeout.TotalSeconds:0} s.";
        }
        else if (entry.Exception is { } e)
        {
            LogCheckFailed(logger, e, name);
            detail = Describe(name, e);
        }
        else
        {
            detail = entry.Description ?? (status == HealthStatus.Healthy && name == Database ? "Reachable." : status.ToString());
        }
        var publicDetail = entry.Data.TryGetValue(CostPilotHealthChecks.PublicDetailKey, out var value) && value is string text ? text : null;
        return new ComponentHealth(name, status, detail, entry.Duration) { PublicDetail = publicDetail };
    }

    // Details are public (GET /api/health needs no sign-in): name the failure, never the connection string.
    private static string Describe(string component, Exception e) => e switch
    {
        PostgresException pg => $"The database refused the check ({pg.SqlState}).",
        NpgsqlException or System.Net.Sockets.SocketException => component == Database
            ? "Cannot connect to the database."
            : "Cannot read job server heartbeats: the database is unreachable.",
        _ when e.InnerException is NpgsqlException or System.Net.Sockets.SocketException => Describe(component, e.InnerException),
        _ => $"The check failed ({e.GetType().Name}).",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check of {Component} failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string component);
}
