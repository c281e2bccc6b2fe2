using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Configuration;
using Serilog.Events;

namespace CostPilot.Infrastructure.Logging;

public static class LoggingSetup
{
    /// <summary>Console plus <c>system_logs</c>, with user and correlation ids, secrets scrubbed before any sink sees them.</summary>
    public static void AddCostPilotLogging(this IHostApplicationBuilder builder, string connectionString)
    {
        builder.Services.AddHttpContextAccessor();
        // preserveStaticLogger: each host (the app, or one per test) owns and flushes its own logger.
        builder.Services.AddSerilog(preserveStaticLogger: true, configureLogger: (sp, lc) =>
        {
            lc.MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                // EF logs an expected failed probe of the migrations table on a fresh database as an error;
                // a real query failure still surfaces as an exception where it happens.
                .MinimumLevel.Override("Microsoft.EntityFrameworkCore.Database.Command", LogEventLevel.Fatal)
                // The health-check framework logs every degraded or failed check; HealthMonitorJob logs each change once.
                .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Fatal)
                .ReadFrom.Configuration(builder.Configuration)
                .Enrich.FromLogContext()
                .Enrich.With(new RequestContextEnricher(sp.GetRequiredService<IHttpContextAccessor>()))
                .Enrich.With<SecretScrubber>();
            // Every sink sits inside the scrubber: it sees the template text and the exception scrubbed too.
            lc.WriteTo.Sink(LoggerSinkConfiguration.Wrap(sink => new ScrubbingSink(sink), sinks =>
            {
                // The trace id (empty outside any span) finds the same work in a tracing backend and in system_logs.
                sinks.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj} {TraceId}{NewLine}{Exception}", formatProvider: System.Globalization.CultureInfo.InvariantCulture);
                sinks.Sink(new PostgresLogSink(connectionString), new BatchingOptions
                {
                    BatchSizeLimit = 500,
                    BufferingTimeLimit = TimeSpan.FromSeconds(1),
                    QueueLimit = 20_000,
                    RetryTimeLimit = TimeSpan.FromMinutes(2),
                });
            }));
        });
    }
}
