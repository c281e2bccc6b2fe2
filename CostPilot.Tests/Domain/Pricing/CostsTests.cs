using System.Globalization;
using CostPilot.Domain.Pricing;

namespace CostPilot.Tests.Domain.Pricing;

public sealed class CostsTests
{
    private const string Region = "us-east-1";

    /// <summary>AWS's published us-east-1 prices (the same as the shipped snapshot), plus a region whose io2 and gp3 lack some rates.</summary>
    private static readonly PriceCatalogData Catalog = new PriceCatalogBuilder()
        .AddCompute(Region, "m5.large", InstanceOs.Linux, 0.096m)
        .AddCompute(Region, "t3.micro", InstanceOs.Linux, 0.0104m)
        .AddCompute(Region, "c5.xlarge", InstanceOs.Linux, 0.17m)
        .AddCompute(Region, "r5.large", InstanceOs.Linux, 0.126m)
        .AddCompute(Region, "m6g.large", InstanceOs.Linux, 0.077m)
        .AddCompute(Region, "m5.large", InstanceOs.Windows, 0.188m)
        .AddCompute(Region, "t3.micro", InstanceOs.Windows, 0.0196m)
        .AddCompute(Region, "t2.micro", InstanceOs.Windows, 0.0162m)
        .AddCompute(Region, "half.cent", InstanceOs.Linux, 0.0105m)
        .AddEbs(Region, "gp2", new EbsRate(0.10m))
        .AddEbs(Region, "gp3", new EbsRate(0.08m, PerIopsMonth: 0.005m, PerMiBpsMonth: 0.04m))
        .AddEbs(Region, "io1", new EbsRate(0.125m, 0.065m))
        .AddEbs(Region, "io2", new EbsRate(0.125m, 0.065m, 0.0455m, 0.03185m))
        .AddEbs(Region, "st1", new EbsRate(0.045m))
        .AddEbs(Region, "sc1", new EbsRate(0.015m))
        .AddEbs(Region, "standard", new EbsRate(0.05m))
        .AddEbs("xx-partial-1", "io2", new EbsRate(0.125m, 0.065m))
        .AddEbs("xx-partial-1", "gp3", new EbsRate(0.08m))
        .AddEbs("xx-partial-1", "io1", new EbsRate(0.125m))
        .AddPublicIpv4(Region, 0.005m)
        .Build(new PriceCatalogInfo("test", DateTimeOffset.UnixEpoch, null));

    [Theory]
    [InlineData("m5.large", "0.096", "70.08")]
    [InlineData("t3.micro", "0.0104", "7.59")]
    [InlineData("c5.xlarge", "0.17", "124.10")]
    [InlineData("r5.large", "0.126", "91.98")]
    [InlineData("m6g.large", "0.077", "56.21")]
    public void Instance_RunningLinuxOnDemand_IsTheHourlyPriceTimes730(string type, string hourly, string monthly)
    {
        var cost = Costs.Instance(Catalog, Region, type, "linux", "default", "on-demand", running: true, spotHourly: null);

        Assert.Equal(new InstanceCost(Money(hourly), Money(monthly), PriceSource.OnDemand), cost);
    }

    [Theory]
    [InlineData("m5.large", "0.188", "137.24")]
    [InlineData("t3.micro", "0.0196", "14.31")]
    [InlineData("t2.micro", "0.0162", "11.83")]
    public void Instance_RunningWindows_IsTheWindowsPrice(string type, string hourly, string monthly)
    {
        var cost = Costs.Instance(Catalog, Region, type, "windows", null, "on-demand", running: true, spotHourly: null);

        Assert.Equal(new InstanceCost(Money(hourly), Money(monthly), PriceSource.OnDemand), cost);
    }

    [Fact]
    public void Instance_WindowsWithoutAWindowsPrice_IsUnknownNotLinux()
    {
        var cost = Costs.Instance(Catalog, Region, "m6g.large", "windows", null, "on-demand", running: true, spotHourly: null);

        Assert.Equal(InstanceCost.Unknown, cost);
    }

    [Fact]
    public void Instance_Spot_UsesTheGivenSpotPrice()
    {
        var cost = Costs.Instance(Catalog, Region, "m5.large", "linux", null, "spot", running: true, spotHourly: 0.0371m);

        Assert.Equal(new InstanceCost(0.0371m, 27.08m, PriceSource.Spot), cost);
    }

    [Fact]
    public void Instance_SpotOfATypeTheCatalogDoesNotKnow_StillUsesTheSpotPrice()
    {
        var cost = Costs.Instance(Catalog, "mars-north-1", "z9.huge", "linux", null, "spot", running: true, spotHourly: 1.5m);

        Assert.Equal(new InstanceCost(1.5m, 1095.00m, PriceSource.Spot), cost);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    [InlineData("-0.01")]
    public void Instance_SpotWithoutAKnownSpotPrice_IsUnknown(string? spot)
    {
        var cost = Costs.Instance(Catalog, Region, "m5.large", "linux", null, "spot", running: true, spotHourly: spot is null ? null : Money(spot));

        Assert.Equal(InstanceCost.Unknown, cost);
    }

    [Theory]
    [InlineData("m5.large", "linux", "on-demand", PriceSource.OnDemand)]
    [InlineData("m5.large", "linux", "spot", PriceSource.Spot)]
    [InlineData("z9.huge", "red hat enterprise linux", "on-demand", PriceSource.OnDemand)]
    [InlineData("m5.large", "linux", "scheduled", PriceSource.OnDemand)]
    public void Instance_NotRunning_CostsNoCompute(string type, string platform, string lifecycle, PriceSource source)
    {
        var cost = Costs.Instance(Catalog, Region, type, platform, null, lifecycle, running: false, spotHourly: null);

        Assert.Equal(new InstanceCost(0m, 0m, source), cost);
    }

    [Theory]
    [InlineData(Region, "z9.huge", "linux", "default", "on-demand")]
    [InlineData("mars-north-1", "m5.large", "linux", "default", "on-demand")]
    [InlineData(Region, "m5.large", "red hat enterprise linux", "default", "on-demand")]
    [InlineData(Region, "m5.large", "Windows", "default", "on-demand")]
    [InlineData(Region, "m5.large", "linux", "dedicated", "on-demand")]
    [InlineData(Region, "m5.large", "linux", "host", "on-demand")]
    [InlineData(Region, "m5.large", "linux", "shared-ish", "on-demand")]
    [InlineData(Region, "m5.large", "linux", "default", "scheduled")]
    public void Instance_WhatTheCatalogCannotPrice_IsUnknownNeverZero(string region, string type, string platform, string tenancy, string lifecycle)
    {
        var cost = Costs.Instance(Catalog, region, type, platform, tenancy, lifecycle, running: true, spotHourly: null);

        Assert.Equal(InstanceCost.Unknown, cost);
        Assert.Null(cost.Monthly);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("default")]
    public void Instance_DefaultTenancy_IsShared(string? tenancy)
    {
        var cost = Costs.Instance(Catalog, Region, "m5.large", "linux", tenancy, "on-demand", running: true, spotHourly: null);

        Assert.Equal(70.08m, cost.Monthly);
    }

    [Theory]
    [InlineData(100, 6000, 250, "28.00")] // 100 x 0.08 + 3,000 extra IOPS x 0.005 + 125 extra MiB/s x 0.04
    [InlineData(100, 3000, 125, "8.00")]  // the free baseline: storage only
    [InlineData(100, null, null, "8.00")]
    [InlineData(100, 2000, 100, "8.00")]  // below the baseline is not a credit
    [InlineData(1, 16000, 1000, "100.08")] // 0.08 + 13,000 x 0.005 + 875 x 0.04
    public void Volume_Gp3_StorageAndExtrasAboveTheFreeBaseline(int sizeGiB, int? iops, int? throughput, string expected)
    {
        Assert.Equal(new ResourceCost(Money(expected)), Costs.Volume(Catalog, Region, "gp3", sizeGiB, iops, throughput));
    }

    [Fact]
    public void Volume_Io1_StorageAndEveryProvisionedIops()
    {
        Assert.Equal(new ResourceCost(337.50m), Costs.Volume(Catalog, Region, "io1", 100, 5000, null));
    }

    [Theory]
    [InlineData(20_000, "1312.50")]   // 12.50 + 20,000 x 0.065
    [InlineData(32_000, "2092.50")]   // 12.50 + 32,000 x 0.065
    [InlineData(50_000, "2911.50")]   // + 18,000 x 0.0455
    [InlineData(64_000, "3548.50")]   // + 32,000 x 0.0455
    [InlineData(80_000, "4058.10")]   // + 16,000 x 0.03185
    [InlineData(256_000, "9663.70")]  // + 192,000 x 0.03185
    public void Volume_Io2_IopsPricedByTier(int iops, string expected)
    {
        Assert.Equal(new ResourceCost(Money(expected)), Costs.Volume(Catalog, Region, "io2", 100, iops, null));
    }

    [Theory]
    [InlineData("gp2", 500, 1500, "50.00")]
    [InlineData("st1", 500, null, "22.50")]
    [InlineData("sc1", 1000, null, "15.00")]
    [InlineData("standard", 20, null, "1.00")]
    [InlineData("gp2", 0, null, "0.00")]
    [InlineData("gp2", 33, null, "3.30")]
    public void Volume_StorageOnlyTypes_ArePricedPerGbMonth(string volumeType, int sizeGiB, int? iops, string expected)
    {
        Assert.Equal(new ResourceCost(Money(expected)), Costs.Volume(Catalog, Region, volumeType, sizeGiB, iops, null));
    }

    [Theory]
    [InlineData(Region, "gp4", 100, null, null)]
    [InlineData("mars-north-1", "gp3", 100, null, null)]
    [InlineData(Region, "gp3", -1, null, null)]
    [InlineData("xx-partial-1", "io2", 100, 40_000, null)]  // no tier-2 rate
    [InlineData("xx-partial-1", "gp3", 100, 4_000, null)]   // no IOPS rate
    [InlineData("xx-partial-1", "gp3", 100, null, 200)]     // no throughput rate
    [InlineData("xx-partial-1", "io1", 100, 1_000, null)]   // no IOPS rate
    public void Volume_RateTheCatalogLacks_IsUnknown(string region, string volumeType, int sizeGiB, int? iops, int? throughput)
    {
        var cost = Costs.Volume(Catalog, region, volumeType, sizeGiB, iops, throughput);

        Assert.True(cost.IsUnknown);
        Assert.Null(cost.Monthly);
    }

    [Theory]
    [InlineData("io2", 20_000, null, "1312.50")] // all IOPS in tier 1, which has a rate
    [InlineData("gp3", 3_000, 125, "8.00")]      // nothing above the free baseline
    public void Volume_PartialRatesButNothingNeedsTheMissingOnes_IsKnown(string volumeType, int? iops, int? throughput, string expected)
    {
        Assert.Equal(new ResourceCost(Money(expected)), Costs.Volume(Catalog, "xx-partial-1", volumeType, 100, iops, throughput));
    }

    [Fact]
    public void Address_AnyElasticIp_IsHalfACentAnHourFor730Hours()
    {
        Assert.Equal(new ResourceCost(3.65m), Costs.Address(Catalog, Region));
    }

    [Fact]
    public void Address_RegionWithoutARate_IsUnknown()
    {
        Assert.True(Costs.Address(Catalog, "mars-north-1").IsUnknown);
    }

    [Theory]
    [InlineData("7.665", "7.67")]
    [InlineData("2.345", "2.35")]
    [InlineData("2.3449", "2.34")]
    [InlineData("0.005", "0.01")]
    [InlineData("0.004999", "0.00")]
    [InlineData("-2.345", "-2.35")]
    [InlineData("70.08", "70.08")]
    public void ToCents_Midpoint_RoundsHalfAwayFromZero(string amount, string expected)
    {
        Assert.Equal(Money(expected), Costs.ToCents(Money(amount)));
    }

    [Fact]
    public void Instance_MonthlyOnAHalfCent_RoundsUp()
    {
        // 0.0105 x 730 = 7.665: banker's rounding would give 7.66.
        Assert.Equal(7.67m, Costs.Instance(Catalog, Region, "half.cent", "linux", null, "on-demand", running: true, spotHourly: null).Monthly);
    }

    [Fact]
    public void Breakdown_Total_IsExactlyTheSumOfItsLineItems()
    {
        // Three t3.micro at 7.592 a month each are three line items of $7.59: the total is $22.77, never the $22.78 that
        // rounding the exact 22.776 would show, so the displayed parts always add up to the displayed total.
        decimal?[] lineItems =
        [
            .. Enumerable.Range(0, 3).Select(_ => Costs.Instance(Catalog, Region, "t3.micro", "linux", null, "on-demand", true, null).Monthly),
            Costs.Volume(Catalog, Region, "gp3", 33, 3000, 125).Monthly, // 2.64
            Costs.Volume(Catalog, Region, "io2", 7, 1001, null).Monthly, // 0.875 + 65.065 = 65.94
            Costs.Address(Catalog, Region).Monthly,
        ];
        var total = lineItems.Sum(item => item!.Value);

        Assert.All(lineItems, item => Assert.Equal(Costs.ToCents(item!.Value), item));
        Assert.Equal(7.59m * 3 + 2.64m + 65.94m + 3.65m, total);
        Assert.Equal(Costs.ToCents(total), total);
        Assert.NotEqual(Costs.ToCents(3 * 0.0104m * Costs.HoursPerMonth + 2.64m + 0.875m + 65.065m + 3.65m), total);
    }

    private static decimal Money(string text) => decimal.Parse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
