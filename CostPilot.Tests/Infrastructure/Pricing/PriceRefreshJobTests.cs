using CostPilot.Domain.Health;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Pricing.PriceList;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Pricing;

/// <summary>
/// The price refresh end to end: AWS's Price List sample files over a local HTTP server, the real client and parser, the catalog
/// stored in PostgreSQL, two app nodes on one database (the second hears of the new catalog by NOTIFY), and repricing.
/// </summary>
public sealed class PriceRefreshJobTests : IAsyncLifetime
{
    private PriceListServer _prices = default!;
    private CostPilotAppFactory _nodeA = default!;
    private CostPilotAppFactory _nodeB = default!;

    public async Task InitializeAsync()
    {
        _prices = (await PriceListServer.StartAsync()).ServeSample();
        _nodeA = Node(null);
        await ((IAsyncLifetime)_nodeA).InitializeAsync();
        _ = _nodeA.Services;
        _nodeB = Node(_nodeA.DatabaseName);
        await ((IAsyncLifetime)_nodeB).InitializeAsync();
        await _nodeA.Services.GetRequiredService<PgNotificationListener>().Listening.WaitAsync(TimeSpan.FromSeconds(10));
        await _nodeB.Services.GetRequiredService<PgNotificationListener>().Listening.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_nodeB).DisposeAsync();
        await ((IAsyncLifetime)_nodeA).DisposeAsync();
        await _prices.DisposeAsync();
    }

    private CostPilotAppFactory Node(string? sharedDatabase) => new()
    {
        SharedDatabase = sharedDatabase,
        Settings =
        {
            ["CostPilot:Jobs:Server"] = "false",
            ["CostPilot:Sandbox:PageDelayMs"] = "0",
            ["CostPilot:Pricing:PriceListBaseUrl"] = _prices.Url,
            ["CostPilot:Pricing:Regions:0"] = "us-east-1",
        },
    };

    [Fact]
    public async Task Run_SampleFiles_StoredAndUsedByBothNodes()
    {
        var before = _nodeB.Services.GetRequiredService<PriceCatalogProvider>();
        Assert.Equal(PriceCatalogInfo.SnapshotSource, before.Info.Source);

        await _nodeA.Services.GetRequiredService<PriceRefreshJob>().RunAsync("admin-id", CancellationToken.None);

        foreach (var node in new[] { _nodeA, _nodeB })
        {
            var catalog = node.Services.GetRequiredService<PriceCatalogProvider>();
            await Eventually.WaitForAsync(() => Task.FromResult(catalog.Info.Source), s => s == PriceListClient.Source, TimeSpan.FromSeconds(10),
                "the refreshed catalog on both nodes");
            Assert.Equal(new DateTimeOffset(2026, 9, 10, 19, 55, 14, TimeSpan.Zero), catalog.Info.PublishedAt);
            Assert.Equal(0.0104m, catalog.InstanceHourly("us-east-1", "t3.micro", InstanceOs.Linux, Tenancy.Shared));
            Assert.Equal(0.354m, catalog.InstanceHourly("us-east-1", "c5.xlarge", InstanceOs.Windows, Tenancy.Shared));
            // Only us-east-1 was refreshed: a price the Price List did not give is unknown now, not the snapshot's.
            Assert.Null(catalog.InstanceHourly("eu-west-1", "m5.large", InstanceOs.Linux, Tenancy.Shared));
        }
        await using var db = await _nodeA.CreateDbContextAsync();
        var stored = await db.PriceCatalogs.SingleAsync();
        Assert.Equal((PriceListClient.Source, 7), (stored.Source, stored.ComputePrices));
        var refresh = await db.PriceRefreshes.SingleAsync();
        Assert.Equal((true, "admin-id"), (refresh.Succeeded, refresh.RequestedBy));
        Assert.StartsWith("7 compute prices in 1 regions, published 2026-09-10.", refresh.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SampleFiles_RepricesTheInventoryWithTheNewCatalog()
    {
        var caller = await TestUsers.CreateCallerAsync(_nodeA.Services);
        var accountId = (await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(_nodeA.Services, s => s.ConnectSandboxAsync(caller))).Value;
        await _nodeA.Services.GetRequiredService<DiscoveryJob>().RunAsync(accountId, "test", CancellationToken.None);

        await _nodeA.Services.GetRequiredService<PriceRefreshJob>().RunAsync(null, CancellationToken.None);

        await using var db = await _nodeA.CreateDbContextAsync();
        var running = await db.Instances.AsNoTracking()
            .Where(i => i.AccountId == accountId && i.State == InstanceState.Running && i.Lifecycle == "on-demand").ToListAsync();
        var refreshed = _nodeA.Services.GetRequiredService<PriceCatalogProvider>().Current;
        Assert.Contains(running, i => i.PriceSource == PriceSource.OnDemand);
        Assert.Contains(running, i => i.PriceSource == PriceSource.Unknown);
        foreach (var i in running)
        {
            var hourly = refreshed.InstanceHourly(i.Region, i.InstanceType.Value, i.Platform == "windows" ? InstanceOs.Windows : InstanceOs.Linux, Tenancy.Shared);
            Assert.Equal(hourly, i.HourlyUsd);
            Assert.Equal(hourly is null ? PriceSource.Unknown : PriceSource.OnDemand, i.PriceSource);
        }
        // Spot prices do not come from the catalog: the ones discovery found stay.
        Assert.All(await db.Instances.Where(i => i.AccountId == accountId && i.State == InstanceState.Running && i.Lifecycle == "spot").ToListAsync(),
            i => Assert.Equal(PriceSource.Spot, i.PriceSource));
        // gp3 is priced in us-east-1 only now; addresses keep a price everywhere the catalog has compute prices.
        Assert.All(await db.Volumes.Where(v => v.AccountId == accountId).ToListAsync(), v =>
            Assert.Equal(v.Region == "us-east-1" && v.VolumeType == "gp3" ? (decimal?)(v.SizeGiB * 0.08m) : null, v.MonthlyUsd));
        var snapshot = await db.CostSnapshots.SingleAsync(s => s.AccountId == accountId);
        Assert.Equal(await db.Instances.Where(i => i.AccountId == accountId).SumAsync(i => i.MonthlyUsd ?? 0), snapshot.ComputeUsd);
    }

    [Fact]
    public async Task Run_TruncatedOfferFile_KeepsTheCatalogAndSaysWhyInHealth()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Infrastructure", "Pricing", "PriceListSample", "AmazonEC2-us-east-1-offer.json"));
        _prices.Serve(PriceListServer.UsEast1Path, text[..(text.Length / 2)]);

        await Assert.ThrowsAsync<PriceListException>(() => _nodeA.Services.GetRequiredService<PriceRefreshJob>().RunAsync(null, CancellationToken.None));

        var catalog = _nodeA.Services.GetRequiredService<PriceCatalogProvider>();
        Assert.Equal((PriceCatalogInfo.SnapshotSource, (long?)null), (catalog.Info.Source, catalog.StoredId));
        Assert.NotNull(catalog.InstanceHourly("eu-west-1", "m5.large", InstanceOs.Linux, Tenancy.Shared));
        await using var db = await _nodeA.CreateDbContextAsync();
        Assert.False(await db.PriceCatalogs.AnyAsync());
        var refresh = await db.PriceRefreshes.SingleAsync();
        Assert.False(refresh.Succeeded);
        Assert.Contains("is truncated", refresh.Message, StringComparison.Ordinal);
        var health = await _nodeA.Services.GetRequiredService<HealthService>().CheckAsync();
        var prices = Assert.Single(health.Components, c => c.Component == HealthService.Prices);
        Assert.Equal(HealthStatus.Degraded, prices.Status);
        Assert.Contains("The last refresh failed", prices.Detail, StringComparison.Ordinal);
        Assert.Contains("is truncated", prices.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestRefresh_ClientOrWhileRunning_Refused()
    {
        var service = _nodeA.Services.GetRequiredService<PricingAdminService>();

        Assert.Equal(ErrorKind.Forbidden, (await service.RequestRefreshAsync(Callers.Client())).Error?.Kind);
        await using (var db = await _nodeA.CreateDbContextAsync())
        {
            db.PriceRefreshes.Add(new PriceRefresh { StartedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        Assert.Equal(ErrorKind.Conflict, (await service.RequestRefreshAsync(Callers.Admin())).Error?.Kind);
        var status = await service.GetStatusAsync(Callers.Admin());
        Assert.True(status.Value!.Refreshing);
        Assert.True(status.Value.IsStale); // the shipped snapshot is from mid-2026
    }

    [Fact]
    public async Task LoadNewest_StoredCatalogUnreadable_KeepsTheOneInUse()
    {
        await using (var db = await _nodeA.CreateDbContextAsync())
        {
            db.PriceCatalogs.Add(new StoredPriceCatalog
            {
                Source = PriceListClient.Source,
                PublishedAt = DateTimeOffset.UtcNow,
                Data = [1, 2, 3, 4],
                StoredAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var catalog = _nodeA.Services.GetRequiredService<PriceCatalogProvider>();

        Assert.False(await catalog.LoadNewestAsync(CancellationToken.None));

        Assert.Equal(PriceCatalogInfo.SnapshotSource, catalog.Info.Source);
        Assert.Equal(0.096m, catalog.InstanceHourly("us-east-1", "m5.large", InstanceOs.Linux, Tenancy.Shared));
    }
}
