using System.Reflection;
using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Health;
using CostPilot.Web.Http;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace CostPilot.Web.Endpoints;

public static class HealthEndpoints
{
    public static readonly string Version =
        typeof(HealthEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// <c>GET /api/health</c>: no sign-in, no secrets (a silent job server is counted, not named: admins see names on the System page); 200 while serving (healthy or degraded), 503 when not. Answers from a
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
                    detail = c.PublicDetail ?? c.Detail,
                    durationMs = Math.Round(c.Duration.TotalMilliseconds, 1),
                }),
            };
            return Results.Json(body, statusCode: report.Overall == HealthStatus.Unhealthy ? 503 : 200);
        }).AllowAnonymous().DisableAntiforgery().RequireRateLimiting(RateLimits.Health)
            .WithTags("Health")
            .WithSummary("Is CostPilot serving? No sign-in; 200 while healthy or degraded, 503 when not");

        // For orchestrators (Kubernetes probes, compose health checks): plain "Healthy"/"Degraded"/"Unhealthy", 503 when unhealthy.
        // Live: the process answers (no check at all, so a database outage does not get the node restarted).
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false })
            .AllowAnonymous().DisableRateLimiting();
        // Ready: the database answers, every migration ran and a job server is alive (this node's or another's).
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(CostPilotHealthChecks.ReadyTag) })
            .AllowAnonymous().RequireRateLimiting(RateLimits.Health);
    }

    private static string Name(HealthStatus status) => status.ToString().ToLowerInvariant();
}
