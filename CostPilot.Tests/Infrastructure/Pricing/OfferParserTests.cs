using System.Text;
using System.Text.Json;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing.PriceList;
using static CostPilot.Tests.Infrastructure.Pricing.OfferFiles;

namespace CostPilot.Tests.Infrastructure.Pricing;

/// <summary>The streaming offer-file parser on its own: which rows it keeps, EBS and IPv4 products, buffer boundaries, key order.</summary>
public sealed class OfferParserTests
{
    private static readonly byte[] Sample = OfferFiles.SampleBytes("AmazonEC2-us-east-1-offer.json");

    [Fact]
    public async Task ParseAsync_BaseProduct_IsKept()
    {
        var result = await ParseAsync(Offer(new Product("SAMPLEBASELINUX1", "Compute Instance", LinuxM5Large(), new Dimension("0.0960000000"))));

        Assert.Equal(0.096m, result.Compute[("us-east-1", "m5.large", InstanceOs.Linux)]);
        Assert.Equal((1, 0, 0), (result.Products, result.Unpriced, result.Conflicts));
    }

    [Theory]
    [InlineData("tenancy", "Dedicated")]
    [InlineData("tenancy", "Host")]
    [InlineData("capacitystatus", "UnusedCapacityReservation")]
    [InlineData("capacitystatus", "AllocatedCapacityReservation")]
    [InlineData("preInstalledSw", "SQL Std")]
    [InlineData("licenseModel", "Bring your own license")]
    [InlineData("operation", "RunInstances:0010")]
    [InlineData("operation", "RunInstances:0002")]
    [InlineData("operatingSystem", "RHEL")]
    [InlineData("operatingSystem", "SUSE")]
    [InlineData("operatingSystem", "Windows")]
    [InlineData("marketoption", "CapacityBlock")]
    [InlineData("instancesku", "SAMPLEC5XLARGLNX")]
    [InlineData("usagetype", "Reservation:m5.large")]
    [InlineData("instanceType", "")]
    public async Task ParseAsync_OneAttributeOffTheRule_SkipsTheProduct(string attribute, string value)
    {
        var attributes = LinuxM5Large();
        attributes[attribute] = value;

        var result = await ParseAsync(Offer(new Product("SAMPLEMUTATED001", "Compute Instance", attributes, new Dimension("0.0960000000"))));

        Assert.Empty(result.Compute);
        Assert.Equal(1, result.Products);
    }

    [Theory]
    [InlineData("No License required", "RunInstances:0002", true)]
    [InlineData("License Included - Infrastructure", "RunInstances:0002:box", false)]
    [InlineData("Bring your own license", "RunInstances:0800", false)]
    [InlineData("No License required", "RunInstances:0102", false)] // Windows with SQL Server Enterprise
    public async Task ParseAsync_WindowsProducts_KeepsOnlyLicenceIncluded(string licenseModel, string operation, bool kept)
    {
        var attributes = LinuxM5Large();
        attributes["operatingSystem"] = "Windows";
        attributes["licenseModel"] = licenseModel;
        attributes["operation"] = operation;

        var result = await ParseAsync(Offer(new Product("SAMPLEWINDOWS001", "Compute Instance", attributes, new Dimension("0.1880000000"))));

        decimal? expected = kept ? 0.188m : null;
        Assert.Equal(expected, result.Compute.TryGetValue(("us-east-1", "m5.large", InstanceOs.Windows), out var p) ? p : null);
    }

    [Theory]
    [InlineData("Dedicated Host")]
    [InlineData("Compute")]
    [InlineData(null)]
    public async Task ParseAsync_OtherProductFamily_SkipsTheProduct(string? family)
    {
        var result = await ParseAsync(Offer(new Product("SAMPLEFAMILY0001", family, LinuxM5Large(), new Dimension("0.0960000000"))));

        Assert.Empty(result.Compute);
    }

    [Fact]
    public async Task ParseAsync_BareMetalFamilyAndNoMarketOption_Kept()
    {
        var metal = LinuxM5Large();
        metal["instanceType"] = "m5.metal";
        var older = LinuxM5Large();
        older.Remove("marketoption");

        var result = await ParseAsync(Offer(
            new Product("SAMPLEM5METALLNX", "Compute Instance (bare metal)", metal, new Dimension("4.6080000000")),
            new Product("SAMPLEM5LARGEOLD", "Compute Instance", older, new Dimension("0.0960000000"))));

        Assert.Equal(4.608m, result.Compute[("us-east-1", "m5.metal", InstanceOs.Linux)]);
        Assert.Equal(0.096m, result.Compute[("us-east-1", "m5.large", InstanceOs.Linux)]);
    }

    [Fact]
    public async Task ParseAsync_RegionCodes_TakesTheProductsElseTheFilesRegion()
    {
        var localZone = LinuxM5Large();
        localZone["regionCode"] = "us-east-1-bos-1";
        var noCode = LinuxM5Large();
        noCode.Remove("regionCode");
        var offer = Offer(
            new Product("SAMPLELOCALZONE1", "Compute Instance", localZone, new Dimension("0.1150000000")),
            new Product("SAMPLENOREGION01", "Compute Instance", noCode, new Dimension("0.0960000000")));

        var inRegionFile = await ParseAsync(offer, fileRegion: "us-east-1");
        var withoutRegion = await ParseAsync(offer, fileRegion: null);

        Assert.Equal(0.115m, inRegionFile.Compute[("us-east-1-bos-1", "m5.large", InstanceOs.Linux)]);
        Assert.Equal(0.096m, inRegionFile.Compute[("us-east-1", "m5.large", InstanceOs.Linux)]);
        Assert.Equal([("us-east-1-bos-1", "m5.large", InstanceOs.Linux)], withoutRegion.Compute.Keys);
    }

    public static TheoryData<string, Dimension[]> UnusablePrices => new()
    {
        { "zero", [new Dimension("0.0000000000")] },
        { "two tiers", [new Dimension("0.0000000000", EndRange: "1"), new Dimension("0.0050000000", BeginRange: "1")] },
        { "one tier not from zero", [new Dimension("0.0050000000", BeginRange: "1")] },
        { "another unit", [new Dimension("494", Unit: "Quantity", BeginRange: null, EndRange: null)] },
        { "another currency", [new Dimension("0.6600000000", Currency: "CNY")] },
        { "not a number", [new Dimension("n/a")] },
        { "negative", [new Dimension("-0.0960000000")] },
        { "no OnDemand term", [] },
    };

    [Theory]
    [MemberData(nameof(UnusablePrices))]
    public async Task ParseAsync_UnusablePrice_SkipsTheProductAndCountsIt(string why, Dimension[] dimensions)
    {
        var result = await ParseAsync(Offer(new Product("SAMPLEUNUSABLE01", "Compute Instance", LinuxM5Large(), dimensions)));

        Assert.True(result.Compute.Count == 0, why);
        Assert.Equal(1, result.Unpriced);
    }

    [Fact]
    public async Task ParseAsync_SameKeyPricedTwiceDifferently_KeepsTheFirstAndCountsTheConflict()
    {
        var result = await ParseAsync(Offer(
            new Product("SAMPLEFIRSTPRICE", "Compute Instance", LinuxM5Large(), new Dimension("0.0960000000")),
            new Product("SAMPLESECONDPRIC", "Compute Instance", LinuxM5Large(), new Dimension("0.1000000000")),
            new Product("SAMPLESAMEPRICE1", "Compute Instance", LinuxM5Large(), new Dimension("0.096"))));

        Assert.Equal(0.096m, result.Compute[("us-east-1", "m5.large", InstanceOs.Linux)]);
        Assert.Equal(1, result.Conflicts);
    }

    [Fact]
    public async Task ParseAsync_EbsProducts_BuildsRatesPerVolumeType()
    {
        var result = await ParseAsync(Offer(
            Ebs("SAMPLEGP3STORAGE", "Storage", "0.0800000000", "GB-Mo", ("volumeApiName", "gp3"), ("usagetype", "EBS:VolumeUsage.gp3")),
            Ebs("SAMPLEGP3IOPS001", "System Operation", "0.0050000000", "IOPS-Mo", ("group", "EBS IOPS"), ("volumeApiName", "gp3"), ("usagetype", "EBS:VolumeP-IOPS.gp3")),
            Ebs("SAMPLEGP3THRUPUT", "Provisioned Throughput", "40.9600000000", "GiBps-mo", ("group", "EBS Throughput"), ("volumeApiName", "gp3"), ("usagetype", "EBS:VolumeP-Throughput.gp3")),
            Ebs("SAMPLEIO2STORAGE", "Storage", "0.1250000000", "GB-month", ("volumeApiName", "io2"), ("usagetype", "EBS:VolumeUsage.io2")),
            Ebs("SAMPLEIO2IOPSTR1", "System Operation", "0.0650000000", "IOPS-Mo", ("group", "EBS IOPS"), ("volumeApiName", "io2"), ("usagetype", "EBS:VolumeP-IOPS.io2")),
            Ebs("SAMPLEIO2IOPSTR2", "System Operation", "0.0455000000", "IOPS-Mo", ("group", "EBS IOPS Tier 2"), ("volumeApiName", "io2"), ("usagetype", "EBS:VolumeP-IOPS.io2.tier2")),
            Ebs("SAMPLEIO2IOPSTR3", "System Operation", "0.0318500000", "IOPS-Mo", ("group", "EBS IOPS Tier 3"), ("volumeApiName", "io2"), ("usagetype", "EBS:VolumeP-IOPS.io2.tier3")),
            Ebs("SAMPLEIO1STORAGE", "Storage", "0.1250000000", "GB-Mo", ("volumeApiName", "io1"), ("usagetype", "EBS:VolumeUsage.piops")),
            // The older shape: no volumeApiName; the type comes from the usagetype (piops is io1).
            Ebs("SAMPLEIO1IOPSOLD", "System Operation", "0.0650000000", "IOPS-Mo", ("group", "EBS IOPS"), ("usagetype", "EBS:VolumeP-IOPS.piops")),
            Ebs("SAMPLEST1STORAGE", "Storage", "0.0450000000", "GB-Mo", ("volumeApiName", "st1"), ("usagetype", "EBS:VolumeUsage.st1")),
            // Not volume rates: snapshots, I/O requests, and IOPS of a type without a storage price.
            Ebs("SAMPLESNAPSHOT01", "Storage Snapshot", "0.0500000000", "GB-Mo", ("usagetype", "EBS:SnapshotUsage")),
            Ebs("SAMPLEIOREQUESTS", "System Operation", "0.0000000500", "IOs", ("group", "EBS I/O Requests"), ("usagetype", "EBS:VolumeIOUsage")),
            Ebs("SAMPLEORPHANIOPS", "System Operation", "0.0100000000", "IOPS-Mo", ("group", "EBS IOPS"), ("volumeApiName", "io9"))));

        var rates = result.EbsRates().ToDictionary(r => (r.Region, r.VolumeType), r => r.Rate);
        Assert.Equal(new EbsRate(0.08m, PerIopsMonth: 0.005m, PerMiBpsMonth: 0.04m), rates[("us-east-1", "gp3")]);
        Assert.Equal(new EbsRate(0.125m, 0.065m, 0.0455m, 0.03185m), rates[("us-east-1", "io2")]);
        Assert.Equal(new EbsRate(0.125m, 0.065m), rates[("us-east-1", "io1")]);
        Assert.Equal(new EbsRate(0.045m), rates[("us-east-1", "st1")]);
        Assert.Equal(4, rates.Count);
        Assert.Equal(0, result.Unpriced);
    }

    [Fact]
    public async Task ParseAsync_VpcPublicIpv4_InUseElseIdlePerRegion()
    {
        var result = await ParseAsync(OfferFiles.SampleText("AmazonVPC-offer.json"), fileRegion: null);

        Assert.Equal([("us-east-1", 0.005m), ("us-west-2", 0.005m)], result.Ipv4Rates().OrderBy(r => r.Region));
        Assert.Equal((0.005m, 0.005m), (result.Ipv4Parts["us-east-1"].InUse, result.Ipv4Parts["us-east-1"].Idle));
        Assert.Empty(result.Compute);
        Assert.Equal(("AmazonVPC", 4), (result.OfferCode, result.Products));
    }

    [Fact]
    public async Task ParseAsync_Sample_ReadsTheHeader()
    {
        var result = await ParseAsync(Encoding.UTF8.GetString(Sample));

        Assert.Equal(("AmazonEC2", "20260910195514", new DateTimeOffset(2026, 9, 10, 19, 55, 14, TimeSpan.Zero), 29_214L),
            (result.OfferCode, result.Version, result.PublishedAt, result.Bytes));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(64)]
    [InlineData(257)]
    [InlineData(4096)]
    public async Task ParseAsync_TinyReadsAndSmallBuffers_SameAsOneRead(int bufferSize)
    {
        var whole = await OfferParser.ParseAsync(new MemoryStream(Sample), "us-east-1", CancellationToken.None);
        var trickle = new TrickleStream(Sample, seed: bufferSize);

        var pieces = await OfferParser.ParseAsync(trickle, "us-east-1", CancellationToken.None, bufferSize);

        Assert.True(trickle.Reads > Sample.Length / 7);
        Assert.Equal(7, whole.Compute.Count);
        Assert.Equal(whole.Compute.OrderBy(p => p.Key.ToString()), pieces.Compute.OrderBy(p => p.Key.ToString()));
        Assert.Equal(whole.EbsRates(), pieces.EbsRates());
        Assert.Equal((whole.Products, whole.Unpriced, whole.PublishedAt, whole.Bytes), (pieces.Products, pieces.Unpriced, pieces.PublishedAt, pieces.Bytes));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(1 << 20)]
    public async Task ParseAsync_TermsBeforeProducts_SameAsProductsFirst(int bufferSize)
    {
        var termsFirst = Encoding.UTF8.GetBytes(TermsFirst(Encoding.UTF8.GetString(Sample)));
        var whole = await OfferParser.ParseAsync(new MemoryStream(Sample), "us-east-1", CancellationToken.None);

        var reordered = await OfferParser.ParseAsync(new TrickleStream(termsFirst, seed: 3), "us-east-1", CancellationToken.None, bufferSize);

        Assert.True(termsFirst.AsSpan().IndexOf("\"terms\""u8) < termsFirst.AsSpan().IndexOf("\"products\""u8));
        Assert.Equal(whole.Compute.OrderBy(p => p.Key.ToString()), reordered.Compute.OrderBy(p => p.Key.ToString()));
        Assert.Equal(whole.EbsRates(), reordered.EbsRates());
        Assert.Equal(whole.Unpriced, reordered.Unpriced);
    }

    [Fact]
    public async Task ParseAsync_EscapedStrings_ReadAsTheirText()
    {
        var json = Offer(new Product("SAMPLEESCAPED001", "Compute Instance", LinuxM5Large(), new Dimension("0.0960000000")))
            .Replace("\"Linux\"", "\"Li\\u006Eux\"", StringComparison.Ordinal)
            .Replace("\"productFamily\"", "\"product\\u0046amily\"", StringComparison.Ordinal)
            .Replace("\"0.0960000000\"", "\"0.09\\u00360000000\"", StringComparison.Ordinal);

        var result = await ParseAsync(json);

        Assert.Equal(0.096m, result.Compute[("us-east-1", "m5.large", InstanceOs.Linux)]);
    }

    [Fact]
    public async Task ParseAsync_ByteOrderMark_IsSkipped()
    {
        var result = await OfferParser.ParseAsync(new MemoryStream([0xEF, 0xBB, 0xBF, .. Sample]), "us-east-1", CancellationToken.None);

        Assert.Equal(7, result.Compute.Count);
    }

    [Theory]
    [InlineData("", typeof(JsonException))]
    [InlineData("{ \"products\" : { ", typeof(JsonException))]
    [InlineData("[ ]", typeof(InvalidDataException))]
    [InlineData("{ \"products\" : { } }", typeof(InvalidDataException))]
    [InlineData("{ \"terms\" : { } }", typeof(InvalidDataException))]
    [InlineData("{ \"products\" : { }, \"terms\" : { } } { }", typeof(JsonException))]
    [InlineData("{ \"publicationDate\" : \"yesterday\", \"products\" : { }, \"terms\" : { } }", typeof(InvalidDataException))]
    public async Task ParseAsync_NotAnOfferFile_Throws(string json, Type expected)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => ParseAsync(json));

        Assert.IsAssignableFrom(expected, e);
    }

    [Fact]
    public async Task ParseAsync_CutAnywhere_SaysTruncated()
    {
        foreach (var length in new[] { 0, 1, 100, Sample.Length / 3, Sample.Length - 3 })
        {
            var e = await Assert.ThrowsAnyAsync<JsonException>(() =>
                OfferParser.ParseAsync(new MemoryStream(Sample[..length]), "us-east-1", CancellationToken.None, 64));
            Assert.Equal("TruncatedJsonException", e.GetType().Name);
        }
    }

    private static Product Ebs(string sku, string family, string usd, string unit, params (string Key, string Value)[] attributes)
    {
        var all = new Dictionary<string, string> { ["servicecode"] = "AmazonEC2", ["location"] = "US East (N. Virginia)", ["regionCode"] = "us-east-1" };
        foreach (var (key, value) in attributes)
        {
            all[key] = value;
        }
        return new Product(sku, family, all, new Dimension(usd, unit));
    }

    private static Task<OfferContents> ParseAsync(string json, string? fileRegion = "us-east-1") =>
        OfferParser.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), fileRegion, CancellationToken.None);
}
