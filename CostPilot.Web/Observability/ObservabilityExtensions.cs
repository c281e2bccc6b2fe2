using System.Diagnostics;
using CostPilot.Infrastructure.Observability;
using CostPilot.Web.Auth;
using CostPilot.Web.Endpoints;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CostPilot.Web.Observability;

/// <summary>Settings under <c>CostPilot:Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "CostPilot:Metrics";

    /// <summary>
    /// A port of its own for <c>/metrics</c>, anonymous there (for a Prometheus beside the app; do not publish the port).
    /// Null: <c>/metrics</c> is served on the app's port to administrators only.
    /// </summary>
    public int? Port { get; set; }
}

/// <summary>
/// OpenTelemetry: traces (requests, outgoing HTTP including the AWS SDK's, Npgsql, CostPilot's jobs and discoveries) and
/// metrics (requests, HTTP clients, runtime/GC, Npgsql, CostPilot's own), a Prometheus scrape endpoint at <c>/metrics</c>,
/// and OTLP export of both when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard OTEL_* variables apply).
/// </summary>
public static class ObservabilityExtensions
{
    public const string MetricsPath = "/metrics";

    public const string ServiceName = "costpilot";

    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var otlp = !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddScoped<CircuitHandler, CircuitMetricsHandler>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: HealthEndpoints.Version))
            .WithTracing(tracing =>
            {
                tracing
                    .SetSampler(new ParentBasedSampler(new NoBackgroundClientSpans()))
                    .AddSource(CostPilotTelemetry.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbe(http.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(CostPilotTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });

        if (config.GetSection(MetricsOptions.Section).Get<MetricsOptions>()?.Port is { } port)
        {
            // Listen on the metrics port as well as on the app's own (ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS).
            string[] urls = config["urls"] is { Length: > 0 } u ? u.Split(';', StringSplitOptions.RemoveEmptyEntries)
                : config["http_ports"] is { Length: > 0 } p ? [.. p.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(x => $"http://*:{x}")]
                : ["http://localhost:5000"];
            (builder as WebApplicationBuilder)?.WebHost.UseUrls([.. urls, $"http://*:{port}"]);
        }
        return builder;
    }

    /// <summary>
    /// <c>/metrics</c> for administrators on the app's port (401/403 otherwise, never the sign-in page), and anonymously on
    /// <c>CostPilot:Metrics:Port</c> when set: judged by the port the connection arrived on, not by a Host header.
    /// Call before authentication.
    /// </summary>
    public static WebApplication MapObservability(this WebApplication app)
    {
        if (app.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>()?.Port is { } port)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(http =>
                http.Connection.LocalPort == port && http.Request.Path == MetricsPath);
        }
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(AuthPolicies.Admin);
        return app;
    }

    /// <summary>Probes and scrapes are not traced: they would drown the requests people make.</summary>
    public static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/api/health") || path.StartsWithSegments(MetricsPath)
        || path.StartsWithSegments("/_blazor") || path.StartsWithSegments("/_framework");

    /// <summary>
    /// A database command or HTTP call outside any request, job or discovery (the job server polling its queues, the log
    /// sink's batches) starts no trace: only work someone asked for is traced, with its calls under it.
    /// </summary>
    private sealed class NoBackgroundClientSpans : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            samplingParameters.Kind == ActivityKind.Client
                ? new SamplingResult(SamplingDecision.Drop)
                : new SamplingResult(SamplingDecision.RecordAndSample);
    }
}

/// <summary>Counts this node's open circuits (<c>costpilot.circuits.open</c>).</summary>
internal sealed class CircuitMetricsHandler(CostPilotMetrics metrics) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitOpened();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitClosed();
        return Task.CompletedTask;
    }
}
