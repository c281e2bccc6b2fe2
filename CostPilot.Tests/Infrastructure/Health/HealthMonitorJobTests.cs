using CostPilot.Domain.Health;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Health;

public sealed class HealthMonitorJobTests : IClassFixture<CostPilotAppFactory>
{
    private readonly CostPilotAppFactory _app;

    public HealthMonitorJobTests(CostPilotAppFactory app) => _app = app;

    [Fact]
    public async Task RunAsync_AllComponentsChecked_WritesOneRowPerComponent()
    {
        var job = _app.Services.GetRequiredService<HealthMonitorJob>();

        var report = await job.RunAsync(CancellationToken.None);

        await using var db = await _app.CreateDbContextAsync();
        // timestamptz keeps microseconds; the minutely recurring run lands at another moment.
        var from = report.CheckedAt.AddMilliseconds(-1);
        var to = report.CheckedAt.AddMilliseconds(1);
        var rows = await db.HealthChecks.Where(h => h.CheckedAt >= from && h.CheckedAt <= to).ToListAsync();
        Assert.Equal([HealthService.Database, HealthService.Jobs, HealthService.Prices, HealthService.Storage], rows.Select(r => r.Component).Order(StringComparer.Ordinal));
        foreach (var component in report.Components)
        {
            var row = Assert.Single(rows, r => r.Component == component.Component);
            Assert.Equal(component.Status, row.Status);
            Assert.Equal(component.Detail, row.Detail);
        }
    }

    [Fact]
    public async Task RunAsync_RowsOlderThanRetention_AreDeletedAndRecentOnesKept()
    {
        var now = DateTimeOffset.UtcNow;
        var marker = $"retention-{Guid.NewGuid():N}";
        await using (var db = await _app.CreateDbContextAsync())
        {
            db.HealthChecks.AddRange(
                new HealthCheckRecord { CheckedAt = now - HealthMonitorJob.Retention - TimeSpan.FromHours(1), Component = "old", Status = HealthStatus.Healthy, Detail = marker },
                new HealthCheckRecord { CheckedAt = now - HealthMonitorJob.Retention + TimeSpan.FromHours(1), Component = "recent", Status = HealthStatus.Healthy, Detail = marker });
            await db.SaveChangesAsync();
        }

        await _app.Services.GetRequiredService<HealthMonitorJob>().RunAsync(CancellationToken.None);

        await using var check = await _app.CreateDbContextAsync();
        var left = await check.HealthChecks.Where(h => h.Detail == marker).Select(h => h.Component).ToListAsync();
        Assert.Equal(["recent"], left);
    }

    [Fact]
    public async Task GetOverview_Client_Forbidden()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<SystemOverviewService>();

        Assert.Equal(ErrorKind.Forbidden, (await service.GetAsync(Callers.Client())).Error?.Kind);
    }

    [Fact]
    public async Task GetOverview_AdminAfterAMonitorRun_ShowsTheLatestResultPerComponent()
    {
        await _app.Services.GetRequiredService<HealthMonitorJob>().RunAsync(CancellationToken.None);
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<SystemOverviewService>();

        var overview = (await service.GetAsync(Callers.Admin())).Value!;

        // Other tests in this class may add rows of made-up components; the three real ones must be there.
        var components = overview.Health.Select(h => h.Component).ToList();
        Assert.Contains(HealthService.Database, components);
        Assert.Contains(HealthService.Jobs, components);
        Assert.Contains(HealthService.Storage, components);
        Assert.True(overview.Users >= 1);
    }
}
