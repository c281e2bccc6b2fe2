using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using CostPilot.Domain.Pricing;

namespace CostPilot.Infrastructure.Pricing;

/// <summary>
/// Writes a whole <see cref="PriceCatalogData"/> (info, compute prices, EBS rates, public IPv4) as a few hundred kilobytes, and
/// reads it back exactly: for storing a refreshed catalog in the database, so every node and every restart uses the newest.
/// Reading input that is truncated, corrupt or of another version throws a <see cref="FormatException"/>; it never returns part
/// of a catalog. The same catalog always gives the same bytes.
/// </summary>
/// <remarks>
/// Layout, version 1. Integers are little-endian; "varint" is the 7-bit encoding of <see cref="BinaryWriter.Write7BitEncodedInt(int)"/>.
/// <code>
/// header (not compressed)  "CPPC" (4 ASCII bytes), format version (1 byte)
/// body (one gzip member, RFC 1952, ending exactly at the end of the input):
///   info      source (string), published at, retrieved at (byte 0 = none, 1 = a time follows)
///             a time is int64 ticks of its local clock + int16 offset in minutes (DateTimeOffset, exactly)
///   strings   varint count, then each string (varint byte length + UTF-8); regions, instance and volume types are indexes here
///   compute   varint count, then each: varint region, varint instance type, byte OS (0 Linux, 1 Windows), decimal hourly
///   ebs       varint count, then each: varint region, varint volume type, byte mask of the optional rates present
///             (1 IOPS, 2 io2 tier 2, 4 io2 tier 3, 8 MiB/s), decimal per GB-month, then the rates present, in that order
///   ipv4      varint count, then each: varint region, decimal hourly
///   checksum  XxHash64 of every body byte before it (8 bytes, as XxHash64.Hash writes them)
/// a decimal  byte (scale 0-28, + 0x80 when negative), varint64 low 64 bits and varint high 32 bits of the 96-bit integer:
///            exactly decimal.GetBits, so every value comes back bit for bit (0.0960 stays 0.0960, not 0.096)
/// </code>
/// The string table is in ordinal order, and entries are sorted by their strings' indexes (then OS). A reader accepts its own
/// version only, so a change of layout takes a new version number; a caller that gets a <see cref="FormatException"/> for a stored
/// catalog should treat it as "none stored" and use the shipped snapshot until the next refresh.
/// </remarks>
public static class PriceCatalogCodec
{
    public const byte Version = 1;

    /// <summary>A body larger than this is not a price catalog (all of AWS's EC2 prices take a few megabytes).</summary>
    public const int MaxBodyBytes = 128 * 1024 * 1024;

    private static ReadOnlySpan<byte> Magic => "CPPC"u8;
    private const int HeaderBytes = 5;
    private const int ChecksumBytes = 8;
    private const int GzipTrailerBytes = 8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Encode(PriceCatalogData catalog)
    {
        using var stream = new MemoryStream();
        Write(catalog, stream);
        return stream.ToArray();
    }

    public static PriceCatalogData Decode(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var stream = new MemoryStream(data, writable: false);
        return Read(stream);
    }

    /// <summary>Writes the catalog to <paramref name="destination"/> (left open).</summary>
    public static void Write(PriceCatalogData catalog, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(destination);
        var body = Body(catalog);
        destination.Write(Magic);
        destination.WriteByte(Version);
        using var gzip = new GZipStream(destination, CompressionLevel.Optimal, leaveOpen: true);
        gzip.Write(body);
        Span<byte> checksum = stackalloc byte[ChecksumBytes];
        XxHash64.Hash(body, checksum);
        gzip.Write(checksum);
    }

    /// <summary>
    /// Reads a whole catalog: <paramref name="source"/> to its end (left open). Throws <see cref="FormatException"/> for anything but
    /// one complete, intact catalog of this version.
    /// </summary>
    public static PriceCatalogData Read(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (source.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
        {
            throw new FormatException("Not a stored price catalog: it is shorter than its 5-byte header (truncated or empty).");
        }
        if (!header[..4].SequenceEqual(Magic))
        {
            throw new FormatException("Not a stored price catalog: it does not start with \"CPPC\".");
        }
        if (header[4] != Version)
        {
            throw new FormatException($"The stored price catalog has format version {header[4]}; this version of CostPilot reads version {Version} only.");
        }
        var body = Decompress(source);
        if (body.Length < ChecksumBytes)
        {
            throw new FormatException("The stored price catalog is truncated: its body ends before the checksum.");
        }
        var content = body.AsSpan(0, body.Length - ChecksumBytes);
        Span<byte> checksum = stackalloc byte[ChecksumBytes];
        XxHash64.Hash(content, checksum);
        if (!checksum.SequenceEqual(body.AsSpan(content.Length)))
        {
            throw new FormatException("The stored price catalog is corrupt or truncated: its checksum does not match.");
        }
        try
        {
            return Parse(body, content.Length);
        }
        catch (Exception e) when (e is IOException or ArgumentException or OverflowException)
        {
            throw new FormatException($"The stored price catalog is corrupt: {e.Message}", e);
        }
    }

    /// <summary>
    /// The body, from one gzip member that must end exactly at the end of <paramref name="source"/>. Its trailer (CRC-32 and length
    /// of the body) is checked here: GZipStream returns all the data without complaint when only the trailer is cut off, and
    /// ignores bytes after it.
    /// </summary>
    private static byte[] Decompress(Stream source)
    {
        using var compressed = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            if (compressed.Length + read > MaxBodyBytes)
            {
                throw new FormatException($"The stored price catalog is corrupt: it is over {MaxBodyBytes / (1024 * 1024)} MiB.");
            }
            compressed.Write(buffer, 0, read);
        }
        if (compressed.Length < GzipTrailerBytes)
        {
            throw new FormatException("The stored price catalog is truncated: it ends inside its gzip header.");
        }
        using var body = new MemoryStream();
        try
        {
            compressed.Position = 0;
            using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
            while ((read = gzip.Read(buffer)) > 0)
            {
                if (body.Length + read > MaxBodyBytes)
                {
                    throw new FormatException($"The stored price catalog is corrupt: its body is over {MaxBodyBytes / (1024 * 1024)} MiB.");
                }
                body.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"The stored price catalog is corrupt or truncated: {e.Message}", e);
        }
        var trailer = compressed.GetBuffer().AsSpan((int)compressed.Length - GzipTrailerBytes, GzipTrailerBytes);
        if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != Crc32.HashToUInt32(body.GetBuffer().AsSpan(0, (int)body.Length))
            || BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) != (uint)body.Length)
        {
            throw new FormatException("The stored price catalog is truncated or corrupt: it does not end with its gzip trailer.");
        }
        return body.ToArray();
    }

    private static byte[] Body(PriceCatalogData catalog)
    {
        // The string table is every distinct string in ordinal order, so sorting entries by their indexes sorts them by text
        // without comparing strings for each of them.
        var table = catalog.ComputePrices.SelectMany(p => new[] { p.Region, p.Type })
            .Concat(catalog.EbsRates.SelectMany(r => new[] { r.Region, r.VolumeType }))
            .Concat(catalog.PublicIpv4Rates.Select(r => r.Region))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var strings = new Dictionary<string, int>(table.Count, StringComparer.Ordinal);
        for (var i = 0; i < table.Count; i++)
        {
            strings.Add(table[i], i);
        }
        var compute = catalog.ComputePrices.Select(p => (Region: strings[p.Region], Type: strings[p.Type], p.Os, p.Hourly))
            .Order().ToList();
        var ebs = catalog.EbsRates.Select(r => (Region: strings[r.Region], VolumeType: strings[r.VolumeType], r.Rate))
            .OrderBy(r => (r.Region, r.VolumeType)).ToList();
        var ipv4 = catalog.PublicIpv4Rates.Select(r => (Region: strings[r.Region], r.Hourly)).Order().ToList();

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, StrictUtf8, leaveOpen: true))
        {
            writer.Write(catalog.Info.Source);
            WriteTime(writer, catalog.Info.PublishedAt);
            writer.Write(catalog.Info.RetrievedAt.HasValue);
            if (catalog.Info.RetrievedAt is { } retrieved)
            {
                WriteTime(writer, retrieved);
            }
            writer.Write7BitEncodedInt(table.Count);
            table.ForEach(writer.Write);

            writer.Write7BitEncodedInt(compute.Count);
            foreach (var (region, type, os, hourly) in compute)
            {
                writer.Write7BitEncodedInt(region);
                writer.Write7BitEncodedInt(type);
                writer.Write((byte)os);
                WriteDecimal(writer, hourly);
            }

            writer.Write7BitEncodedInt(ebs.Count);
            foreach (var (region, volumeType, rate) in ebs)
            {
                writer.Write7BitEncodedInt(region);
                writer.Write7BitEncodedInt(volumeType);
                decimal?[] optional = [rate.PerIopsMonth, rate.PerIopsMonthTier2, rate.PerIopsMonthTier3, rate.PerMiBpsMonth];
                var mask = 0;
                for (var bit = 0; bit < optional.Length; bit++)
                {
                    mask |= optional[bit].HasValue ? 1 << bit : 0;
                }
                writer.Write((byte)mask);
                WriteDecimal(writer, rate.PerGbMonth);
                foreach (var value in optional)
                {
                    if (value is { } present)
                    {
                        WriteDecimal(writer, present);
                    }
                }
            }

            writer.Write7BitEncodedInt(ipv4.Count);
            foreach (var (region, hourly) in ipv4)
            {
                writer.Write7BitEncodedInt(region);
                WriteDecimal(writer, hourly);
            }
        }
        return stream.ToArray();
    }

    private static PriceCatalogData Parse(byte[] body, int length)
    {
        using var stream = new MemoryStream(body, 0, length, writable: false);
        using var reader = new BinaryReader(stream, StrictUtf8);

        var source = reader.ReadString();
        var published = ReadTime(reader);
        DateTimeOffset? retrieved = reader.ReadByte() switch
        {
            0 => null,
            1 => ReadTime(reader),
            var flag => throw new FormatException($"The stored price catalog is corrupt: retrieved-at flag {flag}."),
        };

        var table = new string[Count(reader, "strings")];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = reader.ReadString();
        }
        string Text() => reader.Read7BitEncodedInt() is var index && index >= 0 && index < table.Length
            ? table[index]
            : throw new FormatException($"The stored price catalog is corrupt: string {index} of {table.Length}.");

        var builder = new PriceCatalogBuilder();
        var computeCount = Count(reader, "compute prices");
        for (var i = 0; i < computeCount; i++)
        {
            var region = Text();
            var type = Text();
            var os = reader.ReadByte() switch
            {
                0 => InstanceOs.Linux,
                1 => InstanceOs.Windows,
                var value => throw new FormatException($"The stored price catalog is corrupt: operating system {value}."),
            };
            builder.AddCompute(region, type, os, ReadDecimal(reader));
        }
        if (builder.ComputePriceCount != computeCount)
        {
            throw new FormatException("The stored price catalog is corrupt: a compute price appears twice.");
        }

        var ebsCount = Count(reader, "EBS rates");
        var ebsKeys = new HashSet<(string, string)>();
        for (var i = 0; i < ebsCount; i++)
        {
            var key = (Text(), Text());
            var mask = reader.ReadByte();
            if (mask > 0b1111)
            {
                throw new FormatException($"The stored price catalog is corrupt: EBS rate mask {mask}.");
            }
            var perGb = ReadDecimal(reader);
            decimal? Optional(int bit) => (mask & (1 << bit)) != 0 ? ReadDecimal(reader) : null;
            var rate = new EbsRate(perGb, Optional(0), Optional(1), Optional(2), Optional(3));
            if (!ebsKeys.Add(key))
            {
                throw new FormatException($"The stored price catalog is corrupt: {key.Item2} in {key.Item1} appears twice.");
            }
            builder.AddEbs(key.Item1, key.Item2, rate);
        }

        var ipv4Count = Count(reader, "public IPv4 rates");
        var ipv4Regions = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ipv4Count; i++)
        {
            var region = Text();
            if (!ipv4Regions.Add(region))
            {
                throw new FormatException($"The stored price catalog is corrupt: public IPv4 in {region} appears twice.");
            }
            builder.AddPublicIpv4(region, ReadDecimal(reader));
        }

        if (stream.Position != length)
        {
            throw new FormatException($"The stored price catalog is corrupt: {length - stream.Position} bytes after the last entry.");
        }
        return builder.Build(new PriceCatalogInfo(source, published, retrieved));
    }

    /// <summary>A count of entries; each takes at least one byte, so a count beyond the bytes left is corrupt (and allocates nothing).</summary>
    private static int Count(BinaryReader reader, string what)
    {
        var count = reader.Read7BitEncodedInt();
        var left = reader.BaseStream.Length - reader.BaseStream.Position;
        return count >= 0 && count <= left
            ? count
            : throw new FormatException($"The stored price catalog is corrupt: {count} {what} in {left} bytes.");
    }

    private static void WriteTime(BinaryWriter writer, DateTimeOffset time)
    {
        writer.Write(time.Ticks);
        writer.Write(checked((short)time.TotalOffsetMinutes));
    }

    private static DateTimeOffset ReadTime(BinaryReader reader)
    {
        var ticks = reader.ReadInt64();
        var offset = TimeSpan.FromMinutes(reader.ReadInt16());
        return new DateTimeOffset(ticks, offset);
    }

    private static void WriteDecimal(BinaryWriter writer, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = (byte)((bits[3] >> 16) & 0xFF);
        writer.Write((byte)(scale | (bits[3] < 0 ? 0x80 : 0)));
        writer.Write7BitEncodedInt64((long)(((ulong)(uint)bits[1] << 32) | (uint)bits[0]));
        writer.Write7BitEncodedInt(bits[2]);
    }

    private static decimal ReadDecimal(BinaryReader reader)
    {
        var flags = reader.ReadByte();
        var low = (ulong)reader.Read7BitEncodedInt64();
        var high = reader.Read7BitEncodedInt();
        return new decimal((int)(uint)low, (int)(uint)(low >> 32), high, (flags & 0x80) != 0, (byte)(flags & 0x7F));
    }
}
