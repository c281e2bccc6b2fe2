using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Pricing;

/// <summary>
/// Costs as discovery writes them: real AWS SDK against the fake AWS, real PostgreSQL, the shipped price snapshot. Every figure is
/// checked against the snapshot's public price, never against a number the code under test produced.
/// </summary>
public sealed class InventoryCostTests(FakeAwsAppFactory app) : IClassFixture<FakeAwsAppFactory>
{
    private static readonly PriceCatalogData Snapshot = SnapshotPriceCatalog.Default;

    [Fact]
    public async Task Discovery_OnDemandWindowsStoppedAndUnknown_PricedAsTheRulesSay()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances([
            new FakeInstance("i-0000000000000m5l") { InstanceType = "m5.large" },
            new FakeInstance("i-00000000000t3win") { InstanceType = "t3.micro", Platform = "windows" },
            new FakeInstance("i-000000000stopped") { InstanceType = "m5.large", State = "stopped" },
            new FakeInstance("i-0000000000000rhl") { InstanceType = "m5.large", PlatformDetails = "Red Hat Enterprise Linux" },
            new FakeInstance("i-0000000000dedica") { InstanceType = "m5.large", Tenancy = "dedicated" },
            new FakeInstance("i-0000000000nosuch") { InstanceType = "zz9.mega" },
        ]);
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        var rows = await InstancesAsync(caller, accountId);
        Assert.Equal((0.096m, 70.08m, PriceSource.OnDemand), Priced(rows["i-0000000000000m5l"]));
        Assert.Equal((0.0196m, 14.31m, PriceSource.OnDemand), Priced(rows["i-00000000000t3win"]));
        Assert.Equal((0m, 0m, PriceSource.OnDemand), Priced(rows["i-000000000stopped"]));
        Assert.All(["i-0000000000000rhl", "i-0000000000dedica", "i-0000000000nosuch"], id =>
            Assert.Equal(((decimal?)null, (decimal?)null, PriceSource.Unknown), Priced(rows[id])));
        Assert.Equal("red hat enterprise linux", rows["i-0000000000000rhl"].Platform);
        var account = await AccountAsync(caller, accountId);
        Assert.Equal(new CostBreakdown(70.08m + 14.31m, 0m, 0m, UnknownInstances: 3), account.Cost);
    }

    [Fact]
    public async Task Discovery_SpotInstance_PricedAtTheLatestSpotPriceOfItsZone()
    {
        var customer = app.AddCustomer();
        var region = customer.Account.Region("eu-west-1");
        region.AddInstances([
            new FakeInstance("i-00000000000spot1") { InstanceType = "c5.xlarge", Lifecycle = "spot", AvailabilityZone = "eu-west-1b" },
            new FakeInstance("i-00000000000spot2") { InstanceType = "c5.xlarge", Lifecycle = "spot", AvailabilityZone = "eu-west-1c" },
        ]);
        var now = DateTimeOffset.UtcNow;
        region.AddSpotPrices([
            new FakeSpotPrice("eu-west-1b", "c5.xlarge", "Linux/UNIX", "0.061200", now.AddHours(-5)),
            new FakeSpotPrice("eu-west-1b", "c5.xlarge", "Linux/UNIX", "0.064300", now.AddHours(-1)),
            new FakeSpotPrice("eu-west-1b", "c5.xlarge", "Windows", "0.250000", now.AddHours(-1)),
        ]);
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        var rows = await InstancesAsync(caller, accountId);
        // 0.0643 × 730 = 46.939 → $46.94; the other zone has no spot price: unknown, not $0 and not the on-demand price.
        Assert.Equal((0.0643m, 46.94m, PriceSource.Spot), Priced(rows["i-00000000000spot1"]));
        Assert.Equal(((decimal?)null, (decimal?)null, PriceSource.Unknown), Priced(rows["i-00000000000spot2"]));
        Assert.Single(app.Fake.Requests, r => r.AccountId == customer.AccountId && r.Action == "DescribeSpotPriceHistory");
    }

    [Fact]
    public async Task Discovery_Rescan_SpotPricesAskedEarlyForKnownTypesAndAgainWhenATypeIsNew()
    {
        var customer = app.AddCustomer();
        var region = customer.Account.Region("us-east-1");
        region.AddInstances([new FakeInstance("i-00000000000spotA") { InstanceType = "c5.xlarge", Lifecycle = "spot" }]);
        var now = DateTimeOffset.UtcNow.AddMinutes(-1);
        region.AddSpotPrices([
            new FakeSpotPrice("us-east-1a", "c5.xlarge", "Linux/UNIX", "0.0700", now),
            new FakeSpotPrice("us-east-1a", "m5.large", "Linux/UNIX", "0.0400", now),
        ]);
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        int SpotCalls() => app.Fake.Requests.Count(r => r.AccountId == customer.AccountId && r.Action == "DescribeSpotPriceHistory");
        Assert.Equal(1, SpotCalls());

        await app.RunDiscoveryAsync(accountId);
        Assert.Equal(2, SpotCalls()); // asked at the start of the scan, from the stored types, and used
        Assert.Equal(0.07m, (await InstancesAsync(caller, accountId))["i-00000000000spotA"].HourlyUsd);

        region.AddInstances([new FakeInstance("i-00000000000spotB") { InstanceType = "m5.large", Lifecycle = "spot" }]);
        await app.RunDiscoveryAsync(accountId);
        Assert.Equal(4, SpotCalls()); // the early answer lacks m5.large: asked again for both types
        var rows = await InstancesAsync(caller, accountId);
        Assert.Equal((0.07m, 0.04m), (rows["i-00000000000spotA"].HourlyUsd, rows["i-00000000000spotB"].HourlyUsd));
    }

    [Fact]
    public async Task Discovery_SpotPricesDenied_RegionStillScannedSpotUnknownAndTheStatusSaysWhy()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances([
            new FakeInstance("i-0000000000dspot1") { InstanceType = "m5.large", Lifecycle = "spot" },
            new FakeInstance("i-0000000000000od1") { InstanceType = "m5.large" },
        ]);
        app.Fake.FailNext(customer.AccountId, "us-east-1", "DescribeSpotPriceHistory", FakeFault.Unauthorized);
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        var account = await AccountAsync(caller, accountId);
        Assert.Equal(AccountStatus.Active, account.Status);
        Assert.Contains("Spot prices could not be read", account.StatusMessage, StringComparison.Ordinal);
        Assert.Contains("ec2:DescribeSpotPriceHistory", account.StatusMessage, StringComparison.Ordinal);
        var rows = await InstancesAsync(caller, accountId);
        Assert.Equal(PriceSource.Unknown, rows["i-0000000000dspot1"].PriceSource);
        Assert.Equal(70.08m, rows["i-0000000000000od1"].MonthlyUsd);
    }

    [Fact]
    public async Task Discovery_RegionScanCutShort_InstancesAlreadyWrittenArePricedSpotWaits()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances([
            new FakeInstance("i-0000000000short1") { InstanceType = "m5.large" },
            new FakeInstance("i-0000000000short2") { InstanceType = "m5.large", State = "stopped" },
            new FakeInstance("i-0000000000short3") { InstanceType = "m5.large", Lifecycle = "spot" },
        ]);
        customer.Account.Region("eu-west-1").AddInstances([new FakeInstance("i-0000000000other1")]);
        // The region fails after its instances were written (its volumes are denied), so its scan never completes.
        app.Fake.FailNext(customer.AccountId, "us-east-1", "DescribeVolumes", FakeFault.Unauthorized);
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        var rows = await InstancesAsync(caller, accountId);
        Assert.Equal((0.096m, 70.08m, PriceSource.OnDemand), Priced(rows["i-0000000000short1"]));
        Assert.Equal((0m, 0m, PriceSource.OnDemand), Priced(rows["i-0000000000short2"]));
        // Not "unknown": its zone's spot price is read only at the end of a complete region scan.
        Assert.Equal(((decimal?)null, (decimal?)null, (PriceSource?)null), Priced(rows["i-0000000000short3"]));
    }

    [Fact]
    public async Task Discovery_VolumesAndAddresses_PricedByTheEbsAndIpv4Rules()
    {
        var customer = app.AddCustomer();
        var region = customer.Account.Region("us-east-1");
        region.AddInstances([new FakeInstance("i-000000000000vol1")]);
        region.AddVolumes([
            new FakeVolume("vol-00000000000gp3a") { Size = 100, VolumeType = "gp3", Iops = 3000, Throughput = 125, AttachedInstanceId = "i-000000000000vol1" },
            new FakeVolume("vol-00000000000gp3x") { Size = 500, VolumeType = "gp3", Iops = 6000, Throughput = 250 },
            new FakeVolume("vol-000000000000io2") { Size = 200, VolumeType = "io2", Iops = 80_000 },
            new FakeVolume("vol-00000000000weird") { Size = 10, VolumeType = "gp9" },
        ]);
        region.AddAddresses([
            new FakeAddress("eipalloc-000000000idle", "198.51.100.7"),
            new FakeAddress("eipalloc-0000000000used", "198.51.100.8") { InstanceId = "i-000000000000vol1", AssociationId = "eipassoc-0000000001" },
        ]);
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        var volumes = await TestUsers.WithScopeAsync<InventoryQueryService, Result<ResourcePage<VolumeRow>>>(app.Services,
            s => s.QueryVolumesAsync(caller, accountId, new ResourceQuery()));
        var byId = volumes.Value!.Rows.ToDictionary(v => v.VolumeId);
        // us-east-1 gp3: $0.08/GB-month, $0.005 per IOPS above 3,000, $0.04 per MiB/s above 125.
        Assert.Equal(8.00m, byId["vol-00000000000gp3a"].MonthlyUsd);
        Assert.Equal(500 * 0.08m + 3000 * 0.005m + 125 * 0.04m, byId["vol-00000000000gp3x"].MonthlyUsd);
        // io2: $0.125/GB-month; IOPS $0.065 up to 32,000, $0.0455 to 64,000, $0.03185 above.
        Assert.Equal(200 * 0.125m + 32_000 * 0.065m + 32_000 * 0.0455m + 16_000 * 0.03185m, byId["vol-000000000000io2"].MonthlyUsd);
        Assert.Null(byId["vol-00000000000weird"].MonthlyUsd);
        // Idle first, then the most expensive.
        Assert.Equal(["vol-000000000000io2", "vol-00000000000gp3x", "vol-00000000000weird", "vol-00000000000gp3a"], volumes.Value.Rows.Select(v => v.VolumeId));
        var addresses = await TestUsers.WithScopeAsync<InventoryQueryService, Result<ResourcePage<AddressRow>>>(app.Services,
            s => s.QueryAddressesAsync(caller, accountId, new ResourceQuery()));
        Assert.Equal([("eipalloc-000000000idle", 3.65m, true), ("eipalloc-0000000000used", 3.65m, false)],
            addresses.Value!.Rows.Select(a => (a.AllocationId, a.MonthlyUsd ?? -1, a.IsIdle)));
        var account = await AccountAsync(caller, accountId);
        Assert.Equal(byId.Values.Sum(v => v.MonthlyUsd ?? 0), account.Cost.StorageUsd);
        Assert.Equal(7.30m, account.Cost.AddressUsd);
        Assert.Equal(1, account.Cost.UnknownVolumes);
        Assert.Equal(account.Cost.ComputeUsd + account.Cost.StorageUsd + account.Cost.AddressUsd, account.Cost.TotalUsd);
    }

    [Fact]
    public async Task Discovery_Rescan_InstanceChangesStateAndTypeAndItsCostFollows()
    {
        var customer = app.AddCustomer();
        var region = customer.Account.Region("us-east-1");
        region.AddInstances([new FakeInstance("i-0000000000follow") { InstanceType = "m5.large" }]);
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        Assert.Equal(70.08m, (await InstancesAsync(caller, accountId))["i-0000000000follow"].MonthlyUsd);

        region.RemoveInstance("i-0000000000follow");
        region.AddInstances([new FakeInstance("i-0000000000follow") { InstanceType = "c5.xlarge" }]);
        await app.RunDiscoveryAsync(accountId);
        Assert.Equal(Costs.MonthlyOf(0.17m), (await InstancesAsync(caller, accountId))["i-0000000000follow"].MonthlyUsd);

        region.RemoveInstance("i-0000000000follow");
        region.AddInstances([new FakeInstance("i-0000000000follow") { InstanceType = "c5.xlarge", State = "stopped" }]);
        await app.RunDiscoveryAsync(accountId);
        Assert.Equal(0m, (await InstancesAsync(caller, accountId))["i-0000000000follow"].MonthlyUsd);
    }

    [Fact]
    public async Task Discovery_Rescan_UnchangedInventoryRewritesNoCost()
    {
        var customer = app.AddCustomer();
        var region = customer.Account.Region("us-east-1");
        region.AddInstances(Enumerable.Range(0, 50).Select(n => new FakeInstance($"i-{n:D17}") { InstanceType = n % 2 == 0 ? "m5.large" : "t3.micro" }));
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        var before = await VersionsAsync("instances", accountId);

        await app.RunDiscoveryAsync(accountId);

        Assert.Equal(50, before.Count);
        Assert.Equal(before, await VersionsAsync("instances", accountId));
    }

    [Fact]
    public async Task Discovery_SampleAccount_EveryFigureIsThePublicPriceAndTheTotalsAddUp()
    {
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var connect = await TestUsers.WithScopeAsync<CostPilot.Infrastructure.Accounts.AccountService, Result<Guid>>(app.Services, s => s.ConnectSandboxAsync(caller));
        var accountId = connect.Value;
        await app.RunDiscoveryAsync(accountId);

        await using var db = await app.CreateDbContextAsync();
        var instances = await db.Instances.AsNoTracking().Where(i => i.AccountId == accountId).ToListAsync();
        Assert.DoesNotContain(instances, i => i.PriceSource is null or PriceSource.Unknown);
        foreach (var i in instances.Where(i => i.State == InstanceState.Running && i.Lifecycle == "on-demand"))
        {
            var os = i.Platform == "windows" ? InstanceOs.Windows : InstanceOs.Linux;
            var hourly = Snapshot.InstanceHourly(i.Region, i.InstanceType.Value, os, Tenancy.Shared);
            Assert.Equal((hourly, Math.Round(hourly!.Value * 730m, 2, MidpointRounding.AwayFromZero)), (i.HourlyUsd, i.MonthlyUsd));
        }
        foreach (var i in instances.Where(i => i.State == InstanceState.Running && i.Lifecycle == "spot"))
        {
            var onDemand = Snapshot.InstanceHourly(i.Region, i.InstanceType.Value, InstanceOs.Linux, Tenancy.Shared)!.Value;
            Assert.Equal(PriceSource.Spot, i.PriceSource);
            Assert.InRange(i.HourlyUsd!.Value, onDemand * 0.30m - 0.0001m, onDemand * 0.45m + 0.0001m);
        }
        Assert.All(instances.Where(i => i.State != InstanceState.Running), i => Assert.Equal(0m, i.MonthlyUsd));

        var account = await AccountAsync(caller, accountId);
        Assert.Equal(instances.Sum(i => i.MonthlyUsd!.Value), account.Cost.ComputeUsd);
        Assert.Equal(await db.Volumes.Where(v => v.AccountId == accountId).SumAsync(v => v.MonthlyUsd!.Value), account.Cost.StorageUsd);
        Assert.Equal(await db.Addresses.CountAsync(a => a.AccountId == accountId) * 3.65m, account.Cost.AddressUsd);
        Assert.Equal(0, account.Cost.UnknownCount);
        Assert.InRange(account.Cost.TotalUsd, 10_000m, 100_000m);

        var costs = (await TestUsers.WithScopeAsync<InventoryQueryService, Result<AccountCosts>>(app.Services, s => s.GetCostsAsync(caller, accountId))).Value!;
        Assert.Equal(account.Cost.TotalUsd, costs.ByRegion.Sum(s => s.MonthlyUsd));
        Assert.Equal(account.Cost.ComputeUsd, costs.ByFamily.Sum(s => s.MonthlyUsd));
        Assert.Equal(account.Cost.ComputeUsd, costs.ByTeam.Sum(s => s.MonthlyUsd));
        Assert.Equal(account.Cost.ComputeUsd, costs.ByEnvironment.Sum(s => s.MonthlyUsd));
        Assert.True(costs.ByFamily.Count <= InventoryQueryService.ChartSlices + 1);
        Assert.Equal(InventoryQueryService.OtherLabel, costs.ByFamily[^1].Label);
        var today = Assert.Single(costs.History);
        Assert.Equal((account.Cost.ComputeUsd, account.Cost.StorageUsd, account.Cost.AddressUsd), (today.ComputeUsd, today.StorageUsd, today.AddressUsd));
    }

    [Fact]
    public void TopSlices_MoreThanEight_KeepsTheLargestAndSumsTheRestIntoOther()
    {
        var shares = Enumerable.Range(1, 11).Select(n => new CostShare($"s{n:D2}", n * 1.01m)).ToList();

        var top = InventoryQueryService.TopSlices(shares);

        Assert.Equal(["s11", "s10", "s09", "s08", "s07", "s06", "s05", "s04", "other"], top.Select(s => s.Label));
        Assert.Equal((1 + 2 + 3) * 1.01m, top[^1].MonthlyUsd);
        Assert.Equal(shares.Sum(s => s.MonthlyUsd), top.Sum(s => s.MonthlyUsd));
    }

    private static (decimal? Hourly, decimal? Monthly, PriceSource? Source) Priced(InstanceRow row) => (row.HourlyUsd, row.MonthlyUsd, row.PriceSource);

    private async Task<Dictionary<string, InstanceRow>> InstancesAsync(Caller caller, Guid accountId)
    {
        var page = await TestUsers.WithScopeAsync<InventoryQueryService, Result<InstancePage>>(app.Services,
            s => s.QueryInstancesAsync(caller, accountId, new InstanceQuery(Take: 500)));
        return page.Value!.Rows.ToDictionary(r => r.InstanceId);
    }

    private async Task<AccountRow> AccountAsync(Caller caller, Guid accountId) =>
        (await TestUsers.WithScopeAsync<InventoryQueryService, Result<AccountDetail>>(app.Services, s => s.GetAccountAsync(caller, accountId))).Value!.Account;

    private async Task<List<(long Id, string Version)>> VersionsAsync(string table, Guid accountId) =>
        await app.QueryAsync($"SELECT id, xmin::text FROM {table} WHERE account_id = @account ORDER BY id", r => (r.GetInt64(0), r.GetString(1)), ("account", accountId));
}
