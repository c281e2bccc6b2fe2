using System.Globalization;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing;

namespace CostPilot.Tests.Infrastructure.Pricing;

public sealed class SnapshotPriceCatalogTests
{
    private const string ComputeHeader = "region,instance_type,usd_per_hour,source,source_date\n";
    private const string EbsHeader = "region,volume_type,usd_per_gb_month,usd_per_provisioned_iops_month,usd_per_provisioned_iops_month_io2_tier2,"
        + "usd_per_provisioned_iops_month_io2_tier3,usd_per_provisioned_mibps_month,usd_per_million_io_requests,source,source_date\n";

    private static readonly PriceCatalogData Catalog = SnapshotPriceCatalog.Default;

    [Theory]
    [InlineData("m5.large", "0.096")]
    [InlineData("t3.micro", "0.0104")]
    [InlineData("c5.xlarge", "0.17")]
    [InlineData("r5.large", "0.126")]
    [InlineData("m6g.large", "0.077")]
    public void InstanceHourly_LinuxInUsEast1_IsThePublishedPrice(string type, string expected)
    {
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), Catalog.InstanceHourly("us-east-1", type, InstanceOs.Linux, Tenancy.Shared));
    }

    [Theory]
    [InlineData("m5.large", "0.188")]
    [InlineData("t3.micro", "0.0196")]
    [InlineData("t2.micro", "0.0162")]
    [InlineData("c5.xlarge", "0.354")]
    public void InstanceHourly_WindowsInUsEast1_IsThePublishedPrice(string type, string expected)
    {
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), Catalog.InstanceHourly("us-east-1", type, InstanceOs.Windows, Tenancy.Shared));
    }

    [Fact]
    public void InstanceHourly_WindowsOnGraviton_IsNullNotZero()
    {
        Assert.NotNull(Catalog.InstanceHourly("us-east-1", "m6g.large", InstanceOs.Linux, Tenancy.Shared));
        Assert.Null(Catalog.InstanceHourly("us-east-1", "m6g.large", InstanceOs.Windows, Tenancy.Shared));
    }

    [Theory]
    [InlineData("us-east-1", "m5.huge")]
    [InlineData("mars-north-1", "m5.large")]
    [InlineData("cn-north-1", "m5.large")]
    [InlineData("US-EAST-1", "m5.large")]
    [InlineData("", "")]
    public void InstanceHourly_UnknownRegionOrType_IsNull(string region, string type)
    {
        Assert.Null(Catalog.InstanceHourly(region, type, InstanceOs.Linux, Tenancy.Shared));
    }

    [Theory]
    [InlineData(Tenancy.Dedicated)]
    [InlineData(Tenancy.Host)]
    public void InstanceHourly_NotSharedTenancy_IsNull(Tenancy tenancy)
    {
        Assert.Null(Catalog.InstanceHourly("us-east-1", "m5.large", InstanceOs.Linux, tenancy));
    }

    [Fact]
    public void Ebs_Gp3InUsEast1_HasStorageIopsAndThroughputRates()
    {
        Assert.Equal(new EbsRate(0.08m, PerIopsMonth: 0.005m, PerMiBpsMonth: 0.04m), Catalog.Ebs("us-east-1", "gp3"));
    }

    [Fact]
    public void Ebs_Io2InUsEast1_HasThreeIopsTiers()
    {
        Assert.Equal(new EbsRate(0.125m, 0.065m, 0.0455m, 0.03185m), Catalog.Ebs("us-east-1", "io2"));
    }

    [Theory]
    [InlineData("gp2", "0.1")]
    [InlineData("io1", "0.125")]
    [InlineData("st1", "0.045")]
    [InlineData("sc1", "0.015")]
    [InlineData("standard", "0.05")]
    public void Ebs_OtherTypesInUsEast1_HaveTheirStorageRate(string volumeType, string perGb)
    {
        var rate = Catalog.Ebs("us-east-1", volumeType);

        Assert.NotNull(rate);
        Assert.Equal(decimal.Parse(perGb, CultureInfo.InvariantCulture), rate.PerGbMonth);
        Assert.Equal(volumeType == "io1" ? 0.065m : null, rate.PerIopsMonth);
        Assert.Null(rate.PerIopsMonthTier2);
        Assert.Null(rate.PerMiBpsMonth);
    }

    [Theory]
    [InlineData("af-south-1", "io2")]
    [InlineData("us-east-1", "gp4")]
    [InlineData("ap-northeast-3", "gp3")]
    public void Ebs_NotSold_IsNull(string region, string volumeType)
    {
        Assert.Null(Catalog.Ebs(region, volumeType));
    }

    [Fact]
    public void ComputePriceCount_EqualsTheNonZeroRowsOfBothFiles()
    {
        var expected = NonZeroRows(PriceSnapshot.LinuxPrices).Count + NonZeroRows(PriceSnapshot.WindowsPrices).Count;

        Assert.Equal(expected, Catalog.ComputePriceCount);
        Assert.Equal(expected, Catalog.ComputePrices.Count());
    }

    [Fact]
    public void ComputePrices_EveryRowOfBothFiles_IsInTheCatalogAtItsPrice()
    {
        foreach (var (file, os) in new[] { (PriceSnapshot.LinuxPrices, InstanceOs.Linux), (PriceSnapshot.WindowsPrices, InstanceOs.Windows) })
        {
            foreach (var row in NonZeroRows(file))
            {
                Assert.Equal(decimal.Parse(row[2], CultureInfo.InvariantCulture), Catalog.InstanceHourly(row[0], row[1], os, Tenancy.Shared));
            }
        }
    }

    [Fact]
    public void EbsRates_CountEqualsTheRowsOfTheFile()
    {
        Assert.Equal(NonZeroRows(PriceSnapshot.EbsPrices).Count, Catalog.EbsRates.Count());
    }

    [Fact]
    public void PublicIpv4Hourly_EveryRegionWithComputePrices_IsFiveTenthsOfACent()
    {
        var regions = NonZeroRows(PriceSnapshot.LinuxPrices).Concat(NonZeroRows(PriceSnapshot.WindowsPrices)).Select(r => r[0]).ToHashSet();

        Assert.Contains("us-east-1", regions);
        Assert.All(regions, region => Assert.Equal(0.005m, Catalog.PublicIpv4Hourly(region)));
        Assert.Equal(regions.Count, Catalog.PublicIpv4Rates.Count());
        Assert.Null(Catalog.PublicIpv4Hourly("cn-north-1"));
    }

    [Fact]
    public void Info_IsTheSnapshotPublishedOnItsNewestSourceDate()
    {
        var newest = NonZeroRows(PriceSnapshot.LinuxPrices).Concat(NonZeroRows(PriceSnapshot.WindowsPrices))
            .Select(r => r[4].Length == 7 ? r[4] + "-01" : r[4]).Max(StringComparer.Ordinal);

        Assert.Equal("snapshot", Catalog.Info.Source);
        Assert.Equal(DateTimeOffset.Parse(newest + "T00:00:00Z", CultureInfo.InvariantCulture), Catalog.Info.PublishedAt);
        Assert.Equal(TimeSpan.Zero, Catalog.Info.PublishedAt.Offset);
        Assert.Null(Catalog.Info.RetrievedAt);
    }

    [Fact]
    public void Default_CalledTwice_IsTheSameCatalog()
    {
        Assert.Same(SnapshotPriceCatalog.Default, SnapshotPriceCatalog.Default);
        Assert.NotSame(SnapshotPriceCatalog.Default, SnapshotPriceCatalog.Load());
    }

    [Fact]
    public void Parse_ZeroAndEmptyPrices_AreSkipped()
    {
        var catalog = SnapshotPriceCatalog.Parse(Files(linux: """
            region,instance_type,usd_per_hour,source,source_date
            us-east-1,m5.large,0.096,x,2026-05
            us-east-1,u-6tb1.metal,0,x,2026-05
            us-east-1,u-9tb1.metal,0.0000,x,2026-05
            us-east-1,p5e.48xlarge,,x,2026-05
            """));

        Assert.Equal(1, catalog.ComputePriceCount);
        Assert.Null(catalog.InstanceHourly("us-east-1", "u-6tb1.metal", InstanceOs.Linux, Tenancy.Shared));
        Assert.Null(catalog.InstanceHourly("us-east-1", "p5e.48xlarge", InstanceOs.Linux, Tenancy.Shared));
    }

    [Fact]
    public void Parse_MonthSourceDates_PublishedOnTheFirstOfTheNewestMonth()
    {
        var catalog = SnapshotPriceCatalog.Parse(Files(linux: """
            region,instance_type,usd_per_hour,source,source_date
            us-east-1,m5.large,0.096,x,2026-05
            us-east-1,m5.xlarge,0.192,x,2025-11
            """));

        Assert.Equal(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), catalog.Info.PublishedAt);
    }

    [Fact]
    public void Parse_ColumnsInAnotherOrder_ReadByName()
    {
        var catalog = SnapshotPriceCatalog.Parse(Files(linux: """
            source_date,usd_per_hour,instance_type,region,source
            2026-05,0.096,m5.large,us-east-1,x
            """));

        Assert.Equal(0.096m, catalog.InstanceHourly("us-east-1", "m5.large", InstanceOs.Linux, Tenancy.Shared));
    }

    [Theory]
    [InlineData("us-east-1,m5.large,0.096,x,2026-05\nus-east-1,t3.micro,abc,x,2026-05", "line 3", "usd_per_hour 'abc'")]
    [InlineData("us-east-1,m5.large,0,096,x,2026-05", "line 2", "6 fields")]
    [InlineData("us-east-1,m5.large,-0.096,x,2026-05", "line 2", "usd_per_hour '-0.096'")]
    [InlineData("us-east-1,m5.large,1e-2,x,2026-05", "line 2", "usd_per_hour '1e-2'")]
    [InlineData("us-east-1,m5.large,\"0.096,x,2026-05", "line 2", "not closed")]
    [InlineData(",m5.large,0.096,x,2026-05", "line 2", "region is empty")]
    [InlineData("us-east-1,m5.large,0.096,x,May 2026", "line 2", "source_date 'May 2026'")]
    [InlineData("us-east-1,m5.large,0.096,x,2026-05\n\nus-east-1,t3.micro,0.0104,x,2026-05", "line 3", "empty line")]
    [InlineData("us-east-1,m5.large,0.096,x,2026-05\nus-east-1,m5.large,0.1,x,2026-05", "line 3", "a second price for m5.large")]
    public void Parse_MalformedLinuxRow_ThrowsWithFileAndLine(string rows, string line, string reason)
    {
        var error = Assert.Throws<FormatException>(() => SnapshotPriceCatalog.Parse(Files(linux: ComputeHeader + rows)));

        Assert.StartsWith($"{PriceSnapshot.LinuxPrices} {line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingColumn_ThrowsNamingIt()
    {
        var error = Assert.Throws<FormatException>(() => SnapshotPriceCatalog.Parse(Files(windows: """
            region,instance_type,price,source,source_date
            us-east-1,m5.large,0.188,x,2026-05
            """)));

        Assert.StartsWith($"{PriceSnapshot.WindowsPrices} line 1: no column 'usd_per_hour'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyFile_Throws()
    {
        var error = Assert.Throws<FormatException>(() => SnapshotPriceCatalog.Parse(Files(windows: "")));

        Assert.Contains(PriceSnapshot.WindowsPrices, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("us-east-1,gp3,,0.005,,,0.04,,x,2023-02", "line 2", "usd_per_gb_month is empty")]
    [InlineData("us-east-1,gp3,0.08,0.005,,,forty,,x,2023-02", "line 2", "usd_per_provisioned_mibps_month 'forty'")]
    [InlineData("us-east-1,gp3,0,0.005,,,0.04,,x,2023-02", "line 2", "zero")]
    [InlineData("us-east-1,gp3,0.08,0.005,,,0.04,,x,2023-02\nus-east-1,gp3,0.08,0.005,,,0.04,,x,2023-02", "line 3", "a second row for gp3")]
    public void Parse_MalformedEbsRow_ThrowsWithFileAndLine(string rows, string line, string reason)
    {
        var error = Assert.Throws<FormatException>(() => SnapshotPriceCatalog.Parse(Files(ebs: EbsHeader + rows)));

        Assert.StartsWith($"{PriceSnapshot.EbsPrices} {line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoComputePriceAtAll_Throws()
    {
        var error = Assert.Throws<FormatException>(() => SnapshotPriceCatalog.Parse(Files()));

        Assert.Contains("no compute price", error.Message, StringComparison.Ordinal);
    }

    /// <summary>In-memory snapshot files: those given, and the others with their header only.</summary>
    private static Func<string, TextReader> Files(string? linux = null, string? windows = null, string? ebs = null) => file => new StringReader(file switch
    {
        PriceSnapshot.LinuxPrices => linux ?? ComputeHeader,
        PriceSnapshot.WindowsPrices => windows ?? ComputeHeader,
        PriceSnapshot.EbsPrices => ebs ?? EbsHeader,
        _ => throw new ArgumentException($"The catalog asked for {file}.", nameof(file)),
    });

    /// <summary>The data rows of an embedded price file whose price (third column) is not zero or empty, split on commas (these files have no quotes).</summary>
    private static List<string[]> NonZeroRows(string file)
    {
        using var reader = PriceSnapshot.OpenText(file);
        reader.ReadLine();
        var rows = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split(',');
            if (fields[2].Length > 0 && decimal.Parse(fields[2], CultureInfo.InvariantCulture) != 0m)
            {
                rows.Add(fields);
            }
        }
        return rows;
    }
}
