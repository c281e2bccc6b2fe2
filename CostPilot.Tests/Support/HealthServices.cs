using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Tests.Support;

/// <summary>
/// A <see cref="HealthService"/> over the app's own health checks (as <c>AddCostPilotHealthChecks</c> registers them, on the
/// app's database, job storage and prices) that read time from <paramref name="clock"/>, with its own settings.
/// </summary>
public static class HealthServices
{
    public static HealthService Create(IServiceProvider app, TimeProvider clock, HealthOptions? options = null, ILogger<HealthService>? logger = null)
    {
        options ??= app.GetRequiredService<IOptions<HealthOptions>>().Value;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(clock);
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(app.GetRequiredService<NpgsqlDataSource>());
        services.AddSingleton(app.GetRequiredService<JobStorage>());
        services.AddSingleton(app.GetRequiredService<PricingAdminService>());
        services.AddSingleton(app.GetRequiredService<IDbContextFactory<CostPilotDbContext>>());
        services.AddCostPilotHealthChecks(app.GetRequiredService<IConfiguration>());
        // Owned by the app's lifetime: everything in it is the app's, nothing here needs disposing.
        var checks = services.BuildServiceProvider().GetRequiredService<HealthCheckService>();
        return new HealthService(checks, clock, Options.Create(options), logger ?? NullLogger<HealthService>.Instance);
    }
}
