using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing;

namespace CostPilot.Tests.Infrastructure.Pricing;

public sealed class PriceCatalogCodecTests
{
    private static readonly DateTimeOffset Published = new(2026, 9, 10, 19, 55, 14, TimeSpan.Zero);
    private static readonly DateTimeOffset Retrieved = new(2026, 11, 30, 11, 2, 3, 456, TimeSpan.FromHours(5.5));

    [Fact]
    public void Decode_EncodedSnapshot_IsTheSameCatalogBitForBit()
    {
        var snapshot = SnapshotPriceCatalog.Default;

        var decoded = PriceCatalogCodec.Decode(PriceCatalogCodec.Encode(snapshot));

        AssertSameCatalog(snapshot, decoded);
    }

    [Fact]
    public void Decode_EdgeValues_ComeBackBitForBit()
    {
        var catalog = EdgeCatalog();

        var decoded = PriceCatalogCodec.Decode(PriceCatalogCodec.Encode(catalog));

        AssertSameCatalog(catalog, decoded);
        Assert.Equal("0.0960000000", decoded.InstanceHourly("us-east-1", "m5.large", InstanceOs.Linux, Tenancy.Shared)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Retrieved.Offset, decoded.Info.RetrievedAt!.Value.Offset);
    }

    [Fact]
    public void Encode_SameCatalogTwice_GivesTheSameBytes()
    {
        var once = PriceCatalogCodec.Encode(SnapshotPriceCatalog.Default);

        Assert.Equal(once, PriceCatalogCodec.Encode(SnapshotPriceCatalog.Load()));
        Assert.Equal(once, PriceCatalogCodec.Encode(PriceCatalogCodec.Decode(once)));
    }

    [Fact]
    public void Encode_Snapshot_IsCompact()
    {
        var bytes = PriceCatalogCodec.Encode(SnapshotPriceCatalog.Default);

        // The snapshot's price CSVs take about 220 KB gzip'd; the catalog holds the same prices without the text around them.
        Assert.InRange(bytes.Length, 1_000, 200_000);
        Assert.Equal("CPPC"u8.ToArray(), bytes[..4]);
        Assert.Equal(PriceCatalogCodec.Version, bytes[4]);
    }

    [Fact]
    public void WriteThenRead_AStream_RoundTripsAndLeavesItOpen()
    {
        using var stream = new MemoryStream();
        PriceCatalogCodec.Write(EdgeCatalog(), stream);
        stream.Position = 0;

        AssertSameCatalog(EdgeCatalog(), PriceCatalogCodec.Read(stream));
        Assert.True(stream.CanRead);
    }

    [Fact]
    public void Decode_EmptyCatalog_RoundTrips()
    {
        var empty = new PriceCatalogBuilder().Build(new PriceCatalogInfo("aws-price-list", Published, null));

        AssertSameCatalog(empty, PriceCatalogCodec.Decode(PriceCatalogCodec.Encode(empty)));
    }

    [Fact]
    public void Decode_EveryTruncation_ThrowsFormatException()
    {
        var bytes = PriceCatalogCodec.Encode(EdgeCatalog());

        for (var length = 0; length < bytes.Length; length++)
        {
            var error = Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(bytes[..length]));
            Assert.Contains("catalog", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Decode_TruncatedSnapshot_ThrowsFormatException()
    {
        var bytes = PriceCatalogCodec.Encode(SnapshotPriceCatalog.Default);

        foreach (var length in new[] { bytes.Length / 3, bytes.Length / 2, bytes.Length - 9, bytes.Length - 1 })
        {
            Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(bytes[..length]));
        }
    }

    [Fact]
    public void Decode_AnyByteFlipped_ThrowsOrGivesTheSameCatalog()
    {
        var catalog = EdgeCatalog();
        var bytes = PriceCatalogCodec.Encode(catalog);
        var threw = 0;

        for (var i = 0; i < bytes.Length; i++)
        {
            var corrupt = (byte[])bytes.Clone();
            corrupt[i] ^= 0x5A;
            try
            {
                // A flip in a gzip header field that carries no data (time stamp, OS) leaves the catalog intact: that is fine.
                AssertSameCatalog(catalog, PriceCatalogCodec.Decode(corrupt));
                Assert.InRange(i, 5 + 4, 5 + 9);
            }
            catch (FormatException)
            {
                threw++;
            }
        }

        Assert.True(threw >= bytes.Length - 6, $"{threw} of {bytes.Length} flips threw");
    }

    [Fact]
    public void Decode_OtherVersion_ThrowsNamingIt()
    {
        var bytes = PriceCatalogCodec.Encode(EdgeCatalog());
        bytes[4] = 2;

        var error = Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(bytes));

        Assert.Equal("The stored price catalog has format version 2; this version of CostPilot reads version 1 only.", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    public void Decode_NotACatalog_ThrowsFormatException(byte[] bytes)
    {
        var error = Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(bytes));

        Assert.StartsWith("Not a stored price catalog", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TrailingGarbageAfterTheGzip_ThrowsFormatException()
    {
        var bytes = PriceCatalogCodec.Encode(EdgeCatalog());

        Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode([.. bytes, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    }

    // Bodies with a valid checksum but impossible content: the reader checks the structure too, not only the checksum.
    [Fact]
    public void Decode_StringIndexOutOfRange_ThrowsFormatException()
    {
        var error = Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(Sealed(w =>
        {
            Info(w);
            Strings(w, "us-east-1", "m5.large");
            w.Write7BitEncodedInt(1);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(7);
            w.Write((byte)0);
            Decimal(w, 96, 3);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(0);
        })));

        Assert.Contains("string 7 of 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_UnknownOperatingSystem_ThrowsFormatException()
    {
        var error = Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(Sealed(w =>
        {
            Info(w);
            Strings(w, "us-east-1", "m5.large");
            w.Write7BitEncodedInt(1);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(1);
            w.Write((byte)9);
            Decimal(w, 96, 3);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(0);
        })));

        Assert.Contains("operating system 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ZeroPrice_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(Sealed(w =>
        {
            Info(w);
            Strings(w, "us-east-1");
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(1);
            w.Write7BitEncodedInt(0);
            Decimal(w, 0, 3);
        })));
    }

    [Fact]
    public void Decode_DecimalScaleOver28_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(Sealed(w =>
        {
            Info(w);
            Strings(w, "us-east-1");
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(1);
            w.Write7BitEncodedInt(0);
            Decimal(w, 5, 29);
        })));
    }

    [Fact]
    public void Decode_DuplicateComputePrice_ThrowsFormatException()
    {
        var error = Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(Sealed(w =>
        {
            Info(w);
            Strings(w, "us-east-1", "m5.large");
            w.Write7BitEncodedInt(2);
            for (var i = 0; i < 2; i++)
            {
                w.Write7BitEncodedInt(0);
                w.Write7BitEncodedInt(1);
                w.Write((byte)0);
                Decimal(w, 96, 3);
            }
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(0);
        })));

        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_HugeCount_ThrowsWithoutAllocating()
    {
        var error = Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(Sealed(w =>
        {
            Info(w);
            w.Write7BitEncodedInt(int.MaxValue);
        })));

        Assert.Contains($"{int.MaxValue} strings", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_BytesAfterTheLastEntry_ThrowsFormatException()
    {
        var error = Assert.Throws<FormatException>(() => PriceCatalogCodec.Decode(Sealed(w =>
        {
            Info(w);
            Strings(w);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(0);
            w.Write((byte)0);
        })));

        Assert.Contains("1 bytes after the last entry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_WellFormedHandMadeBody_Reads()
    {
        // The same writer helpers as the corruption tests above, with nothing wrong: proves those bodies fail for their one fault.
        var catalog = PriceCatalogCodec.Decode(Sealed(w =>
        {
            Info(w);
            Strings(w, "us-east-1", "m5.large");
            w.Write7BitEncodedInt(1);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(1);
            w.Write((byte)1);
            Decimal(w, 188, 3);
            w.Write7BitEncodedInt(0);
            w.Write7BitEncodedInt(1);
            w.Write7BitEncodedInt(0);
            Decimal(w, 5, 3);
        }));

        Assert.Equal(0.188m, catalog.InstanceHourly("us-east-1", "m5.large", InstanceOs.Windows, Tenancy.Shared));
        Assert.Equal(0.005m, catalog.PublicIpv4Hourly("us-east-1"));
        Assert.Equal(new PriceCatalogInfo("aws-price-list", Published, null), catalog.Info);
    }

    /// <summary>Prices that a careless format would bend: trailing zeros, the smallest and largest decimals, -0, every optional EBS rate pattern.</summary>
    private static PriceCatalogData EdgeCatalog() => new PriceCatalogBuilder()
        .AddCompute("us-east-1", "m5.large", InstanceOs.Linux, 0.0960000000m)
        .AddCompute("us-east-1", "m5.large", InstanceOs.Windows, 0.188m)
        .AddCompute("us-east-1", "t3.micro", InstanceOs.Linux, 0.0104m)
        .AddCompute("eu-west-1", "u-24tb1.224xlarge", InstanceOs.Linux, 218.4m)
        .AddCompute("eu-west-1", "tiny.nano", InstanceOs.Linux, 0.0000000000000000000000000001m)
        .AddCompute("eu-west-1", "huge.max", InstanceOs.Windows, decimal.MaxValue)
        .AddCompute("us-west-2-wl1-lax1", "g4dn.2xlarge", InstanceOs.Linux, 1.0m)
        .AddCompute("ap-southeast-2", "résumé.large", InstanceOs.Linux, 123456789012.345678901m)
        .AddEbs("us-east-1", "gp3", new EbsRate(0.08m, PerIopsMonth: 0.005m, PerMiBpsMonth: 0.040m))
        .AddEbs("us-east-1", "io2", new EbsRate(0.125m, 0.065m, 0.0455m, 0.03185m))
        .AddEbs("us-east-1", "gp2", new EbsRate(0.10m))
        .AddEbs("eu-west-1", "odd", new EbsRate(new decimal(0, 0, 0, true, 2), null, 0.5m, null, 7m))
        .AddPublicIpv4("us-east-1", 0.005m)
        .AddPublicIpv4("eu-west-1", 0.0050m)
        .Build(new PriceCatalogInfo("aws-price-list", Published, Retrieved));

    private static void AssertSameCatalog(PriceCatalogData expected, PriceCatalogData actual)
    {
        Assert.Equal(expected.Info, actual.Info);
        Assert.Equal(expected.Info.PublishedAt.Offset, actual.Info.PublishedAt.Offset);
        Assert.Equal(expected.Info.RetrievedAt?.Offset, actual.Info.RetrievedAt?.Offset);
        Assert.Equal(expected.ComputePriceCount, actual.ComputePriceCount);
        foreach (var (region, type, os, hourly) in expected.ComputePrices)
        {
            AssertSameBits(hourly, actual.InstanceHourly(region, type, os, Tenancy.Shared));
        }
        Assert.Equal(expected.EbsRates.Count(), actual.EbsRates.Count());
        foreach (var (region, volumeType, rate) in expected.EbsRates)
        {
            var other = actual.Ebs(region, volumeType);
            Assert.NotNull(other);
            AssertSameBits(rate.PerGbMonth, other.PerGbMonth);
            AssertSameBits(rate.PerIopsMonth, other.PerIopsMonth);
            AssertSameBits(rate.PerIopsMonthTier2, other.PerIopsMonthTier2);
            AssertSameBits(rate.PerIopsMonthTier3, other.PerIopsMonthTier3);
            AssertSameBits(rate.PerMiBpsMonth, other.PerMiBpsMonth);
        }
        Assert.Equal(expected.PublicIpv4Rates.Count(), actual.PublicIpv4Rates.Count());
        foreach (var (region, hourly) in expected.PublicIpv4Rates)
        {
            AssertSameBits(hourly, actual.PublicIpv4Hourly(region));
        }
    }

    private static void AssertSameBits(decimal? expected, decimal? actual)
    {
        Assert.Equal(expected.HasValue, actual.HasValue);
        if (expected is { } e && actual is { } a)
        {
            Assert.Equal(decimal.GetBits(e), decimal.GetBits(a));
        }
    }

    /// <summary>A stored catalog around a hand-written body: header, gzip, and the right checksum.</summary>
    private static byte[] Sealed(Action<BinaryWriter> body)
    {
        using var content = new MemoryStream();
        using (var writer = new BinaryWriter(content, Encoding.UTF8, leaveOpen: true))
        {
            body(writer);
        }
        var bytes = content.ToArray();
        using var output = new MemoryStream();
        output.Write("CPPC"u8);
        output.WriteByte(PriceCatalogCodec.Version);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
            gzip.Write(XxHash64.Hash(bytes));
        }
        return output.ToArray();
    }

    private static void Info(BinaryWriter w)
    {
        w.Write("aws-price-list");
        w.Write(Published.Ticks);
        w.Write((short)0);
        w.Write((byte)0);
    }

    private static void Strings(BinaryWriter w, params string[] strings)
    {
        w.Write7BitEncodedInt(strings.Length);
        foreach (var s in strings)
        {
            w.Write(s);
        }
    }

    private static void Decimal(BinaryWriter w, long mantissa, byte scale)
    {
        w.Write(scale);
        w.Write7BitEncodedInt64(mantissa);
        w.Write7BitEncodedInt(0);
    }
}
