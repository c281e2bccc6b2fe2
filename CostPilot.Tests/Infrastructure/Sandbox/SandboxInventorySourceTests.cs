using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Sandbox;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Infrastructure.Sandbox;

/// <summary>
/// The sample fleet's spot prices against real on-demand prices: the shipped price snapshot, which the app itself uses.
/// </summary>
public sealed class SandboxInventorySourceTests
{
    private static readonly PriceCatalogData Catalog = SnapshotPriceCatalog.Default;

    [Fact]
    public async Task ListInstancesAsync_SampleFleet_EveryInstanceHasAnOnDemandPriceForItsPlatformAndSharedTenancy()
    {
        var fleet = await FleetAsync(Source());

        Assert.Equal(326, fleet.Count);
        Assert.All(fleet, f =>
        {
            Assert.Equal("default", f.Instance.Tenancy);
            var os = Costs.OsOf(f.Instance.Platform);
            Assert.NotNull(os);
            Assert.True(Catalog.InstanceHourly(f.Region, f.Instance.InstanceType, os.Value, Tenancy.Shared) is > 0m,
                $"No on-demand price for {f.Instance.InstanceType} ({f.Instance.Platform}) in {f.Region}.");
        });
    }

    [Fact]
    public async Task ListSpotPricesAsync_EverySpotInstanceOfTheSampleFleet_HasAPriceForItsZoneTypeAndProduct()
    {
        var source = Source();
        var fleet = await FleetAsync(source);
        var spot = fleet.Where(f => f.Instance.Lifecycle == "spot").ToList();

        Assert.True(spot.Count >= 10, $"The sample fleet has only {spot.Count} spot instances.");
        foreach (var region in spot.GroupBy(f => f.Region))
        {
            var prices = await source.ListSpotPricesAsync(region.Key, [.. region.Select(f => f.Instance.InstanceType).Distinct()], CancellationToken.None);
            var byKey = prices.ToDictionary(p => (p.AvailabilityZone, p.InstanceType, p.ProductDescription));
            Assert.All(region, f => Assert.True(
                byKey.ContainsKey((f.Instance.AvailabilityZone!, f.Instance.InstanceType, DiscoveredSpotPrice.ProductOf(f.Instance.Platform)!)),
                $"No spot price for {f.Instance.InstanceId}: {f.Instance.InstanceType} {f.Instance.Platform} in {f.Instance.AvailabilityZone}."));
        }
    }

    [Fact]
    public async Task ListSpotPricesAsync_EveryFleetType_Between30And45PercentOfOnDemandTo4Decimals()
    {
        var source = Source();
        var fleet = await FleetAsync(source);
        var shares = new List<decimal>();

        foreach (var region in fleet.GroupBy(f => f.Region))
        {
            var prices = await source.ListSpotPricesAsync(region.Key, [.. region.Select(f => f.Instance.InstanceType).Distinct()], CancellationToken.None);
            Assert.NotEmpty(prices);
            foreach (var price in prices)
            {
                var os = price.ProductDescription == DiscoveredSpotPrice.WindowsProduct ? InstanceOs.Windows : InstanceOs.Linux;
                var onDemand = Catalog.InstanceHourly(region.Key, price.InstanceType, os, Tenancy.Shared)!.Value;
                Assert.Equal(Math.Round(price.HourlyUsd, 4), price.HourlyUsd);
                Assert.InRange(price.HourlyUsd / onDemand, 0.30m, 0.45m);
                Assert.StartsWith(region.Key, price.AvailabilityZone, StringComparison.Ordinal);
                Assert.True(price.Timestamp < new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), $"{price} is dated after the fleet was seen.");
                shares.Add(price.HourlyUsd / onDemand);
            }
        }

        // Spread over the band, not one fixed discount.
        Assert.True(shares.Min() < 0.33m && shares.Max() > 0.42m, $"Shares from {shares.Min():P1} to {shares.Max():P1}.");
    }

    [Fact]
    public async Task ListSpotPricesAsync_TwoSourcesAndTwoCalls_SamePrices()
    {
        string[] types = ["m5.large", "t3.micro", "c6g.xlarge", "g4dn.xlarge"];

        var first = await Source().ListSpotPricesAsync("us-east-1", types, CancellationToken.None);
        var again = await Source().ListSpotPricesAsync("us-east-1", types, CancellationToken.None);
        var reversed = await Source().ListSpotPricesAsync("us-east-1", [.. types.Reverse()], CancellationToken.None);

        Assert.NotEmpty(first);
        Assert.Equal(first, again);
        Assert.Equal(first, reversed);
        // One price per zone of the region's spot instances, type and product the catalog prices (no Windows on Graviton).
        var zones = first.Select(p => p.AvailabilityZone).Distinct().Count();
        Assert.Equal(zones * (types.Length * 2 - 1), first.Count);
        Assert.DoesNotContain(first, p => p.InstanceType == "c6g.xlarge" && p.ProductDescription == DiscoveredSpotPrice.WindowsProduct);
    }

    [Fact]
    public async Task ListSpotPricesAsync_NoCatalogPrice_NoSpotPrice()
    {
        var empty = new SandboxInventorySource(TimeSpan.Zero, new PriceCatalogBuilder().Build(new PriceCatalogInfo("test", DateTimeOffset.UnixEpoch, null)), TimeProvider.System);

        Assert.Empty(await empty.ListSpotPricesAsync("us-east-1", ["m5.large", "t3.micro"], CancellationToken.None));
        Assert.Empty(await Source().ListSpotPricesAsync("us-east-1", ["x9.huge"], CancellationToken.None));
        Assert.Empty(await Source().ListSpotPricesAsync("sa-east-1", ["m5.large"], CancellationToken.None));
        Assert.Empty(await Source().ListSpotPricesAsync("us-east-1", [], CancellationToken.None));
    }

    [Fact]
    public async Task ListSpotPricesAsync_OneCentOnDemand_StaysInsideTheBandAfterRounding()
    {
        // 30 % of $0.0104 is $0.00312: rounded to 4 decimals it would fall to $0.0031, below the band.
        var catalog = new PriceCatalogBuilder().AddCompute("us-east-1", "t3.micro", InstanceOs.Linux, 0.0104m)
            .Build(new PriceCatalogInfo("test", DateTimeOffset.UnixEpoch, null));

        var prices = await new SandboxInventorySource(TimeSpan.Zero, catalog, TimeProvider.System).ListSpotPricesAsync("us-east-1", ["t3.micro"], CancellationToken.None);

        Assert.NotEmpty(prices);
        Assert.All(prices, p => Assert.InRange(p.HourlyUsd, 0.0032m, 0.0046m));
    }

    [Fact]
    public async Task ListInstancesAsync_ChangedInstances_ServedAsTheirRowsSayAtTheClock()
    {
        var t0 = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        var generated = SandboxFleet.Default.Instances.Where(i => i.Region == "us-east-1").Select(i => i.Instance)
            .Where(i => i.State == "running" && i.Architecture == "x86_64" && i.InstanceType != "m6g.large").Take(3).ToList();
        // Resized to m6g.large: stopped at t0 + 4 s, started then, running at t0 + 10 s.
        var resized = new SandboxInstance(Guid.Empty, "us-east-1", generated[0].InstanceId, generated[0].InstanceType, "running", t0);
        resized.TagOriginalType(generated[0].InstanceType, t0);
        resized.BeginStop(t0, t0.AddSeconds(4));
        resized.Settle(t0.AddSeconds(4));
        resized.ChangeType("m6g.large", t0.AddSeconds(4));
        resized.BeginStart(t0.AddSeconds(4), t0.AddSeconds(10), t0.AddSeconds(15), checksImpaired: false);
        var stopped = new SandboxInstance(Guid.Empty, "us-east-1", generated[1].InstanceId, generated[1].InstanceType, "running", t0);
        stopped.BeginStop(t0.AddSeconds(5), t0.AddSeconds(9));
        // A row of another region does not change this region's instance of the same id.
        var misplaced = new SandboxInstance(Guid.Empty, "eu-west-1", generated[2].InstanceId, "m6g.large", "stopped", t0);
        var clock = new FakeTimeProvider(t0.AddSeconds(7));
        var source = new SandboxInventorySource(TimeSpan.Zero, Catalog, clock, [resized, stopped, misplaced], InstanceTypeCatalog.Default);

        var starting = (await RegionAsync(source, "us-east-1")).ToDictionary(i => i.InstanceId);
        clock.SetUtcNow(t0.AddMinutes(1));
        var listed = await RegionAsync(source, "us-east-1");
        var later = listed.ToDictionary(i => i.InstanceId);

        var (resizedStarting, resizedLater) = (starting[resized.InstanceId], later[resized.InstanceId]);
        var (stoppedStarting, stoppedLater) = (starting[stopped.InstanceId], later[stopped.InstanceId]);
        Assert.Equal(("pending", "m6g.large", t0.AddSeconds(4)), (resizedStarting.State, resizedStarting.InstanceType, resizedStarting.StateChangedAt));
        Assert.Equal(("running", "m6g.large", "arm64", (DateTimeOffset?)null),
            (resizedLater.State, resizedLater.InstanceType, resizedLater.Architecture, resizedLater.StateChangedAt));
        Assert.Equal(generated[0].InstanceType, resizedLater.Tags[InstanceActions.OriginalTypeTag]);
        Assert.Equal(generated[0].Tags["Name"], resizedLater.Tags["Name"]);
        Assert.Equal(("stopping", t0.AddSeconds(5)), (stoppedStarting.State, stoppedStarting.StateChangedAt));
        Assert.Equal(("stopped", t0.AddSeconds(9), generated[1].InstanceType, "x86_64"),
            (stoppedLater.State, stoppedLater.StateChangedAt, stoppedLater.InstanceType, stoppedLater.Architecture));
        Assert.DoesNotContain(InstanceActions.OriginalTypeTag, stoppedLater.Tags.Keys);
        var untouched = await RegionAsync(new SandboxInventorySource(TimeSpan.Zero, Catalog, clock), "us-east-1");
        Assert.Equal(untouched.Where(i => i.InstanceId != resized.InstanceId && i.InstanceId != stopped.InstanceId),
            listed.Where(i => i.InstanceId != resized.InstanceId && i.InstanceId != stopped.InstanceId));
    }

    private static async Task<List<DiscoveredInstance>> RegionAsync(SandboxInventorySource source, string region)
    {
        var instances = new List<DiscoveredInstance>();
        await foreach (var page in source.ListInstancesAsync(region, CancellationToken.None))
        {
            instances.AddRange(page);
        }
        var order = SandboxFleet.Default.Instances.Where(i => i.Region == region).Select(i => i.Instance.InstanceId).ToList();
        Assert.Equal(order, instances.Select(i => i.InstanceId));
        return instances;
    }

    private static SandboxInventorySource Source() => new(TimeSpan.Zero, Catalog, TimeProvider.System);

    private static async Task<List<(string Region, DiscoveredInstance Instance)>> FleetAsync(SandboxInventorySource source)
    {
        var fleet = new List<(string, DiscoveredInstance)>();
        foreach (var region in await source.ListRegionsAsync(CancellationToken.None))
        {
            await foreach (var page in source.ListInstancesAsync(region, CancellationToken.None))
            {
                fleet.AddRange(page.Select(i => (region, i)));
            }
        }
        return fleet;
    }
}
