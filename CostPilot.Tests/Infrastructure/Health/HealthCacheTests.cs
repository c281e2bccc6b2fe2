using CostPilot.Infrastructure.Health;
using CostPilot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Infrastructure.Health;

/// <summary>The health endpoint's answer is reused for CacheFor (5 s by default), then checked afresh. Time is a fake clock.</summary>
public sealed class HealthCacheTests(CostPilotAppFactory app) : IClassFixture<CostPilotAppFactory>
{
    [Fact]
    public async Task RecentAsync_WithinCacheFor_ReusesTheCheckThenChecksAgain()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var health = NewService(clock, TimeSpan.FromSeconds(5));

        var first = await health.RecentAsync();
        clock.Advance(TimeSpan.FromSeconds(4.9));
        var cached = await health.RecentAsync();
        clock.Advance(TimeSpan.FromSeconds(0.1));
        var fresh = await health.RecentAsync();

        Assert.Same(first, cached);
        Assert.NotSame(first, fresh);
        Assert.True(fresh.CheckedAt > first.CheckedAt);
    }

    [Fact]
    public async Task RecentAsync_ManyCallersAtOnce_ShareOneCheck()
    {
        var health = NewService(new FakeTimeProvider(DateTimeOffset.UtcNow), TimeSpan.FromSeconds(5));

        var reports = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => health.RecentAsync()));

        Assert.Single(reports.Distinct());
    }

    [Fact]
    public async Task RecentAsync_CacheForZero_ChecksEveryTime()
    {
        var health = NewService(new FakeTimeProvider(DateTimeOffset.UtcNow), TimeSpan.Zero);

        var first = await health.RecentAsync();
        var second = await health.RecentAsync();

        Assert.NotSame(first, second);
    }

    private HealthService NewService(TimeProvider clock, TimeSpan cacheFor)
    {
        var options = app.Services.GetRequiredService<IOptions<HealthOptions>>().Value;
        return HealthServices.Create(app.Services, clock, new HealthOptions
        {
            CacheFor = cacheFor,
            StoragePath = options.StoragePath,
            CheckTimeout = options.CheckTimeout,
            HeartbeatTimeout = options.HeartbeatTimeout,
        });
    }
}
