using System.Text.Json;
using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Health;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>/api/admin</c>: the operations of the admin console, for admins and super admins. The system overview and health are here;
/// users (<see cref="AdminUsersApi"/>), accounts of every tenant (<see cref="AdminAccountsApi"/>), jobs (<see cref="AdminJobsApi"/>),
/// logs and the audit trail (<see cref="AdminRecordsApi"/>) have their own files.
/// </summary>
public static class AdminApi
{
    /// <summary>The ranges <c>GET /health/history</c> reads, as the System page's buttons name them.</summary>
    private static readonly Dictionary<string, HealthRange> Ranges = new(StringComparer.Ordinal)
    {
        ["24h"] = HealthRange.Day,
        ["7d"] = HealthRange.Week,
    };

    public static RouteGroupBuilder MapAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/system", async Task<Results<Ok<SystemOverview>, ProblemHttpResult>> (HttpContext http, SystemOverviewService system,
                CancellationToken ct) =>
            ApiProblems.Ok(await system.GetAsync(ApiEndpoints.CallerOf(http), ct)))
            .WithSummary("Users, accounts, instances and job counts at a glance");

        admin.MapGet("/health", HealthAsync)
            .WithSummary("The current health of the database, job servers, storage and prices, with full detail")
            .WithDescription("The same check as the public GET /api/health (at most CostPilot:Health:CacheFor old), answered with 200 whatever the status.");

        admin.MapGet("/health/history", HealthHistoryAsync)
            .WithSummary("Each component's health over the last 24 hours (15-minute buckets) or 7 days (hourly), and the latest status changes")
            .ProducesValidationProblem();

        admin.MapAdminUsersApi();
        admin.MapAdminAccountsApi();
        admin.MapAdminJobsApi();
        admin.MapAdminRecordsApi();
        return admin;
    }

    private static async Task<Ok<AdminHealth>> HealthAsync(HealthService health, CancellationToken ct)
    {
        var report = await health.RecentAsync().WaitAsync(ct);
        return TypedResults.Ok(new AdminHealth(report.Overall, report.CheckedAt,
            [.. report.Components.Select(c => new AdminHealthComponent(c.Component, c.Status, c.Detail, Math.Round(c.Duration.TotalMilliseconds, 1)))]));
    }

    /// <param name="range"><c>24h</c> (the default) or <c>7d</c>.</param>
    private static async Task<Results<Ok<AdminHealthHistory>, ValidationProblem, ProblemHttpResult>> HealthHistoryAsync(
        HttpContext http, HealthHistoryService history, CancellationToken ct, string? range = null)
    {
        range = string.IsNullOrEmpty(range) ? "24h" : range;
        if (!Ranges.TryGetValue(range, out var wanted))
        {
            return ApiProblems.Invalid("range", $"Unknown range '{range}': use 24h or 7d.");
        }
        var result = await history.GetAsync(ApiEndpoints.CallerOf(http), wanted, ct);
        if (!result.Succeeded)
        {
            return ApiProblems.From(result.Error);
        }
        var h = result.Value;
        return TypedResults.Ok(new AdminHealthHistory(range, h.From, h.To, (int)h.BucketSize.TotalMinutes, h.BucketStarts, h.Components, h.Transitions));
    }

    /// <summary>The value of a query parameter naming an enum member in snake_case (<c>last_scan</c>), as the JSON bodies spell them.</summary>
    internal static bool TryParseName<T>(string value, out T parsed)
        where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(NameOf(candidate), value, StringComparison.OrdinalIgnoreCase))
            {
                parsed = candidate;
                return true;
            }
        }
        parsed = default;
        return false;
    }

    /// <summary>"connected, discovering, active": the names <see cref="TryParseName{T}"/> reads, for a message.</summary>
    internal static string NamesOf<T>()
        where T : struct, Enum =>
        string.Join(", ", Enum.GetValues<T>().Select(NameOf));

    private static string NameOf<T>(T value)
        where T : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}

/// <summary>The health of CostPilot now.</summary>
/// <param name="Status">The worst status of the components.</param>
/// <param name="CheckedAt">When the check ran.</param>
/// <param name="Components">Each component checked: database, jobs, storage, prices.</param>
public sealed record AdminHealth(HealthStatus Status, DateTimeOffset CheckedAt, IReadOnlyList<AdminHealthComponent> Components);

/// <param name="Name">database, jobs, storage or prices.</param>
/// <param name="Detail">What was found, e.g. which job server stopped sending heartbeats.</param>
/// <param name="DurationMs">How long the check of this component took.</param>
public sealed record AdminHealthComponent(string Name, HealthStatus Status, string Detail, double DurationMs);

/// <summary>The recorded health checks of a range, one bucket per component per 15 minutes (24h) or hour (7d).</summary>
/// <param name="Range"><c>24h</c> or <c>7d</c>.</param>
/// <param name="BucketMinutes">The length of each bucket: 15 or 60.</param>
/// <param name="BucketStarts">The start of each bucket, oldest first; each component has one bucket per entry, in the same order.</param>
/// <param name="Transitions">The newest status changes (at most 50), newest first.</param>
public sealed record AdminHealthHistory(
    string Range,
    DateTimeOffset From,
    DateTimeOffset To,
    int BucketMinutes,
    IReadOnlyList<DateTimeOffset> BucketStarts,
    IReadOnlyList<HealthSeries> Components,
    IReadOnlyList<HealthTransition> Transitions);
