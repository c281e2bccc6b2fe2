using System.Globalization;
using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Aws;
using CostPilot.Tests.Fakes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Infrastructure.Aws;

/// <summary>The AWS inventory source through the real SDK against the fake AWS: platform, tenancy and spot prices.</summary>
public sealed class AwsInventorySourceTests : IAsyncLifetime
{
    private const string Customer = "111122223333";
    private const string KeyId = "AKIAFAKESPOTSOURCE01";
    private const string Secret = "spot/source/secret/000000000000000000000";
    private const string Region = "us-east-1";

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private FakeAwsServer _fake = null!;

    private FakeRegion FakeRegion => _fake.Account(Customer).Region(Region);

    public async Task InitializeAsync()
    {
        _fake = await FakeAwsServer.StartAsync();
        _fake.AddAccount(Customer).AddAccessKey(KeyId, Secret).Region(Region);
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task ListInstancesAsync_PlatformDetails_LinuxWindowsOrTheOtherPlatformLowerCased()
    {
        FakeRegion.AddInstances(
        [
            new FakeInstance("i-0linux"),
            new FakeInstance("i-0windows") { Platform = "windows" },
            new FakeInstance("i-0rhel") { PlatformDetails = "Red Hat Enterprise Linux" },
            new FakeInstance("i-0suse") { PlatformDetails = "SUSE Linux" },
            new FakeInstance("i-0ubuntupro") { PlatformDetails = "Ubuntu Pro" },
            new FakeInstance("i-0sqlserver") { Platform = "windows", PlatformDetails = "Windows with SQL Server Standard" },
            new FakeInstance("i-0long") { PlatformDetails = "Red Hat Enterprise Linux with SQL Server Enterprise and High Availability" },
            // Answers without platform details: windows from the platform, else linux.
            new FakeInstance("i-0oldwindows") { Platform = "windows", PlatformDetails = null },
            new FakeInstance("i-0oldlinux") { PlatformDetails = null },
        ]);

        var platforms = (await ListInstancesAsync()).ToDictionary(i => i.InstanceId, i => i.Platform);

        Assert.Equal(new Dictionary<string, string>
        {
            ["i-0linux"] = "linux",
            ["i-0windows"] = "windows",
            ["i-0rhel"] = "red hat enterprise linux",
            ["i-0suse"] = "suse linux",
            ["i-0ubuntupro"] = "ubuntu pro",
            ["i-0sqlserver"] = "windows with sql server standard",
            ["i-0long"] = "red hat enterprise linux with sql server enterprise and high ava",
            ["i-0oldwindows"] = "windows",
            ["i-0oldlinux"] = "linux",
        }, platforms);
        Assert.Equal(DiscoveredInstance.MaxPlatformLength, platforms["i-0long"].Length);
    }

    [Fact]
    public async Task ListInstancesAsync_Tenancy_AsEc2ReportsItAndDefaultWhenAbsent()
    {
        FakeRegion.AddInstances(
        [
            new FakeInstance("i-0shared"),
            new FakeInstance("i-0dedicated") { Tenancy = "dedicated" },
            new FakeInstance("i-0host") { Tenancy = "host" },
            new FakeInstance("i-0untold") { Tenancy = null },
        ]);

        var tenancies = (await ListInstancesAsync()).Select(i => (i.InstanceId, i.Tenancy));

        Assert.Equal([("i-0shared", "default"), ("i-0dedicated", "dedicated"), ("i-0host", "host"), ("i-0untold", "default")], tenancies);
    }

    [Fact]
    public async Task ListSpotPricesAsync_HistoryOverZonesAndProducts_LatestPerZoneTypeAndProductAsDecimal()
    {
        var now = _clock.GetUtcNow();
        FakeRegion.AddSpotPrices(
        [
            Spot("a", "m5.large", "Linux/UNIX", "0.030000", now.AddHours(-30)),
            Spot("a", "m5.large", "Linux/UNIX", "0.031200", now.AddHours(-2)),
            Spot("a", "m5.large", "Linux/UNIX", "0.029000", now.AddHours(-5)),
            Spot("b", "m5.large", "Linux/UNIX", "0.034500", now.AddDays(-20)),
            Spot("a", "m5.large", "Windows", "0.120000", now.AddHours(-1)),
            Spot("a", "m5.large", "Windows", "0.110000", now.AddHours(-9)),
            Spot("a", "c5.xlarge", "Linux/UNIX", "0.071234", now.AddMinutes(-10)),
            // Not asked for: another product, another type.
            Spot("a", "m5.large", "Red Hat Enterprise Linux", "0.090000", now.AddHours(-1)),
            Spot("a", "r5.large", "Linux/UNIX", "0.040000", now.AddHours(-1)),
        ]);

        var prices = await Source().ListSpotPricesAsync(Region, ["m5.large", "c5.xlarge", "m5.large"], CancellationToken.None);

        Assert.Equal(
        [
            new DiscoveredSpotPrice(Region + "a", "c5.xlarge", "Linux/UNIX", 0.071234m, Millis(now.AddMinutes(-10))),
            new DiscoveredSpotPrice(Region + "a", "m5.large", "Linux/UNIX", 0.0312m, Millis(now.AddHours(-2))),
            new DiscoveredSpotPrice(Region + "a", "m5.large", "Windows", 0.12m, Millis(now.AddHours(-1))),
            new DiscoveredSpotPrice(Region + "b", "m5.large", "Linux/UNIX", 0.0345m, Millis(now.AddDays(-20))),
        ], prices);
        var request = Assert.Single(_fake.Requests);
        Assert.Equal(("DescribeSpotPriceHistory", 200, 1000), (request.Action, request.StatusCode, request.MaxResults));
    }

    [Fact]
    public async Task ListSpotPricesAsync_LongHistory_StartTimeNowAsksOnlyForThePricesInEffect()
    {
        var now = _clock.GetUtcNow();
        // 2 × 600 changes: without a start time the history alone would take two pages of 1000.
        FakeRegion.AddSpotPrices(Enumerable.Range(1, 600).SelectMany(i => new[]
        {
            Spot("a", "m5.large", "Linux/UNIX", Price(0.03m + i / 100_000m), now.AddMinutes(-i)),
            Spot("a", "m5.large", "Windows", Price(0.10m + i / 100_000m), now.AddMinutes(-i)),
        }));

        var prices = await Source().ListSpotPricesAsync(Region, ["m5.large"], CancellationToken.None);

        Assert.Equal([0.03001m, 0.10001m], prices.Select(p => p.HourlyUsd));
        Assert.Equal(1, _fake.Count("DescribeSpotPriceHistory"));
    }

    [Fact]
    public async Task ListSpotPricesAsync_ClockInThePast_PricesInEffectThenAndEveryChangeSinceKeepsTheNewest()
    {
        var now = _clock.GetUtcNow();
        FakeRegion.AddSpotPrices(
        [
            Spot("a", "m5.large", "Linux/UNIX", "0.030000", now.AddHours(-10)),
            Spot("a", "m5.large", "Linux/UNIX", "0.031000", now.AddHours(-1)),
            Spot("b", "m5.large", "Linux/UNIX", "0.040000", now.AddHours(-1)),
        ]);
        var fiveHoursAgo = new FakeTimeProvider(now.AddHours(-5));

        var prices = await Source(fiveHoursAgo).ListSpotPricesAsync(Region, ["m5.large"], CancellationToken.None);

        Assert.Equal([(Region + "a", 0.031m), (Region + "b", 0.04m)], prices.Select(p => (p.AvailabilityZone, p.HourlyUsd)));
    }

    [Fact]
    public async Task ListSpotPricesAsync_250TypesInSixZones_ChunkedPagedAndEveryPriceKept()
    {
        var now = _clock.GetUtcNow();
        var types = Enumerable.Range(1, 250).Select(i => $"x{i}.large").ToList();
        FakeRegion.AddSpotPrices(
            from type in types
            from zone in "abcdef"
            from product in DiscoveredSpotPrice.Products
            select Spot(zone.ToString(), type, product, "0.050000", now.AddHours(-1)));

        var prices = await Source().ListSpotPricesAsync(Region, types, CancellationToken.None);

        Assert.Equal(250 * 6 * 2, prices.Count);
        Assert.Equal(types.Order(StringComparer.Ordinal), prices.Select(p => p.InstanceType).Distinct().Order(StringComparer.Ordinal));
        // 100 + 100 + 50 types: 1200, 1200 and 600 prices, so two pages, two pages and one.
        Assert.Equal([false, true, false, true, false], _fake.Requests.Select(r => r.NextToken is not null));
        Assert.All(_fake.Requests, r => Assert.Equal((1000, 200), (r.MaxResults, r.StatusCode)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("0.000000")]
    [InlineData("-0.010000")]
    [InlineData("0,031200")]
    [InlineData("1e-3")]
    public async Task ListSpotPricesAsync_PriceNotAPositiveNumber_Skipped(string price)
    {
        var now = _clock.GetUtcNow();
        FakeRegion.AddSpotPrices(
        [
            Spot("a", "m5.large", "Linux/UNIX", price, now.AddHours(-1)),
            Spot("b", "m5.large", "Linux/UNIX", "0.031200", now.AddHours(-1)),
        ]);

        var prices = await Source().ListSpotPricesAsync(Region, ["m5.large"], CancellationToken.None);

        var kept = Assert.Single(prices);
        Assert.Equal((Region + "b", 0.0312m), (kept.AvailabilityZone, kept.HourlyUsd));
    }

    [Fact]
    public async Task ListSpotPricesAsync_NoTypes_EmptyWithoutAskingAws()
    {
        var prices = await Source().ListSpotPricesAsync(Region, [], CancellationToken.None);
        var blank = await Source().ListSpotPricesAsync(Region, ["", " "], CancellationToken.None);

        Assert.Empty(prices);
        Assert.Empty(blank);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task ListSpotPricesAsync_ThrottledOnce_RetriedAndComplete()
    {
        FakeRegion.AddSpotPrices([Spot("a", "m5.large", "Linux/UNIX", "0.031200", _clock.GetUtcNow().AddHours(-1))]);
        _fake.FailNext(Customer, Region, "DescribeSpotPriceHistory", FakeFault.Throttle);

        var prices = await Source().ListSpotPricesAsync(Region, ["m5.large"], CancellationToken.None);

        Assert.Equal(0.0312m, Assert.Single(prices).HourlyUsd);
        Assert.Equal([(400, "RequestLimitExceeded"), (200, null)], _fake.Requests.Select(r => (r.StatusCode, r.ErrorCode)));
    }

    [Fact]
    public async Task ListSpotPricesAsync_RoleWithoutThePermission_AccessDeniedNamingTheCall()
    {
        _fake.FailNext(Customer, Region, "DescribeSpotPriceHistory", FakeFault.Unauthorized);

        var error = await Assert.ThrowsAsync<InventoryException>(() => Source().ListSpotPricesAsync(Region, ["m5.large"], CancellationToken.None));

        Assert.Equal(InventoryFailure.AccessDenied, error.Failure);
        Assert.Equal($"Access denied for ec2:DescribeSpotPriceHistory in {Region}: an IAM policy or a service control policy blocks it.", error.Message);
        Assert.Equal(1, _fake.Count("DescribeSpotPriceHistory"));
    }

    private AwsInventorySource Source(TimeProvider? clock = null) =>
        new(new AwsClientFactory(Options.Create(new AwsOptions { ServiceUrl = _fake.Url, MaxErrorRetry = 2 })), new BasicAWSCredentials(KeyId, Secret), clock ?? _clock);

    private async Task<List<DiscoveredInstance>> ListInstancesAsync()
    {
        var instances = new List<DiscoveredInstance>();
        await foreach (var page in Source().ListInstancesAsync(Region, CancellationToken.None))
        {
            instances.AddRange(page);
        }
        return instances;
    }

    private static FakeSpotPrice Spot(string zone, string type, string product, string price, DateTimeOffset at) =>
        new(Region + zone, type, product, price, at);

    private static string Price(decimal hourly) => hourly.ToString("F6", CultureInfo.InvariantCulture);

    /// <summary>The fake sends timestamps to the millisecond, as EC2 does.</summary>
    private static DateTimeOffset Millis(DateTimeOffset at) => new(at.Ticks - at.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}
