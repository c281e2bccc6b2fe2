using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Logging;
using CostPilot.Infrastructure.Pricing;
using Hangfire;

namespace CostPilot.Infrastructure.Jobs;

/// <summary>The one place every recurring job is registered.</summary>
public static class RecurringJobs
{
    public const string HealthMonitor = "health-monitor";
    public const string LogRetention = "log-retention";
    public const string PriceRefresh = "price-refresh";

    public static void Register(IRecurringJobManager jobs)
    {
        jobs.AddOrUpdate<HealthMonitorJob>(HealthMonitor, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<LogRetentionJob>(LogRetention, j => j.RunAsync(CancellationToken.None), Cron.Daily(3));
        jobs.AddOrUpdate<PriceRefreshJob>(PriceRefresh, j => j.RunAsync(null, CancellationToken.None), Cron.Weekly(DayOfWeek.Monday, 4));
    }
}
