using System.Reflection;
using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Health;
using CostPilot.Web.Http;

namespace CostPilot.Web.Endpoints;

public static class HealthEndpoints
{
    public static readonly string Version =
        typeof(HealthEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// <c>GET /api/health</c>: no sign-in, no secrets; 200 while serving (healthy or degraded), 503 when not. Answers from a
    /// check at most <c>CostPilot:Health:CacheFor</c> old, and is rate-limited per address.
    /// </summary>
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/health", async (HealthService health, CancellationToken ct) =>
        {
            var report = await health.RecentAsync().WaitAsync(ct);
            var body = new
            {
                status = Name(report.Overall),
                version = Version,
                checkedAt = report.CheckedAt,
                components = report.Components.Select(c => new
                {
                    name = c.Component,
                    status = Name(c.Status),
                    detail = c.Detail,
                    durationMs = Math.Round(c.Duration.TotalMilliseconds, 1),
                }),
            };
            return Results.Json(body, statusCode: report.Overall == HealthStatus.Unhealthy ? 503 : 200);
        }).AllowAnonymous().DisableAntiforgery().RequireRateLimiting(RateLimits.Health);
    }

    private static string Name(HealthStatus status) => status.ToString().ToLowerInvariant();
}
