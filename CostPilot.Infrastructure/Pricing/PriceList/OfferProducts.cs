using System.Text;
using System.Text.Json;
using CostPilot.Domain.Pricing;

namespace CostPilot.Infrastructure.Pricing.PriceList;

/// <summary>
/// The product being read, and the rule that decides whether its price is kept. Only the attributes the rule reads are
/// captured, into one reused buffer: a product that is not kept allocates nothing.
/// </summary>
/// <remarks>
/// Kept:
/// <list type="bullet">
/// <item>Compute: productFamily "Compute Instance" or "Compute Instance (bare metal)", tenancy Shared, capacitystatus Used,
/// preInstalledSw NA, marketoption OnDemand (or none), licenseModel "No License required", no instancesku and no
/// "Reservation:" usagetype, and Linux with operation RunInstances or Windows with RunInstances:0002 (licence
/// included). That leaves out dedicated and host tenancy, capacity reservations, pre-installed SQL Server, Windows BYOL
/// (RunInstances:0800) and "License Included - Infrastructure" (RunInstances:0002:box), RHEL, SUSE and the rest.</item>
/// <item>EBS storage: productFamily Storage with a volumeApiName.</item>
/// <item>EBS provisioned IOPS and throughput: group "EBS IOPS", "EBS IOPS Tier 2", "EBS IOPS Tier 3" or "EBS Throughput";
/// without a group, a usagetype <c>EBS:VolumeP-IOPS.&lt;type&gt;[.tier2|.tier3]</c> or <c>EBS:VolumeP-Throughput.&lt;type&gt;</c>.
/// The volume type is the volumeApiName, else the usagetype's (<c>piops</c> is io1).</item>
/// <item>Public IPv4 (AmazonVPC): group VPCPublicIPv4Address with a usagetype ending PublicIPv4:InUseAddress or
/// PublicIPv4:IdleAddress.</item>
/// </list>
/// The region is the product's regionCode, else the file's region.
/// </remarks>
internal sealed class OfferProducts
{
    private const int FieldCount = 14;
    private const int Absent = -1;
    private const int TooLong = -2;

    private readonly byte[] _bytes = new byte[4096];
    private readonly int[] _start = new int[FieldCount];
    private readonly int[] _length = new int[FieldCount];
    private readonly byte[] _sku = new byte[256];
    private int _skuLength;
    private int _used;
    private Field _current;

    private enum Field
    {
        Family, InstanceType, Tenancy, OperatingSystem, LicenseModel, PreInstalledSw, CapacityStatus, MarketOption, Operation,
        UsageType, RegionCode, VolumeApiName, Group, InstanceSku,
    }

    /// <summary>Starts a product; <paramref name="reader"/> is on its SKU (the property name).</summary>
    public void Begin(ref Utf8JsonReader reader)
    {
        Array.Fill(_length, Absent);
        _used = 0;
        _skuLength = reader.ValueSpan.Length <= _sku.Length ? reader.CopyString(_sku) : 0;
    }

    /// <summary>Whether the attribute named <paramref name="name"/> is one the rule reads (then its value is captured next).</summary>
    public bool SelectAttribute(ReadOnlySpan<byte> name)
    {
        Field? field = name.Length switch
        {
            5 when name.SequenceEqual("group"u8) => Field.Group,
            7 when name.SequenceEqual("tenancy"u8) => Field.Tenancy,
            9 when name.SequenceEqual("operation"u8) => Field.Operation,
            9 when name.SequenceEqual("usagetype"u8) => Field.UsageType,
            10 when name.SequenceEqual("regionCode"u8) => Field.RegionCode,
            11 when name.SequenceEqual("instancesku"u8) => Field.InstanceSku,
            12 when name.SequenceEqual("instanceType"u8) => Field.InstanceType,
            12 when name.SequenceEqual("licenseModel"u8) => Field.LicenseModel,
            12 when name.SequenceEqual("marketoption"u8) => Field.MarketOption,
            13 when name.SequenceEqual("volumeApiName"u8) => Field.VolumeApiName,
            14 when name.SequenceEqual("preInstalledSw"u8) => Field.PreInstalledSw,
            14 when name.SequenceEqual("capacitystatus"u8) => Field.CapacityStatus,
            15 when name.SequenceEqual("operatingSystem"u8) => Field.OperatingSystem,
            _ => null,
        };
        _current = field ?? _current;
        return field is not null;
    }

    /// <summary>Captures the string value <paramref name="reader"/> is on: the product family, or the selected attribute.</summary>
    public void Capture(ref Utf8JsonReader reader, bool family)
    {
        var field = (int)(family ? Field.Family : _current);
        if (reader.ValueSpan.Length > _bytes.Length - _used)
        {
            _length[field] = TooLong;
            return;
        }
        var length = reader.CopyString(_bytes.AsSpan(_used));
        _start[field] = _used;
        _length[field] = length;
        _used += length;
    }

    public string Sku() => Encoding.UTF8.GetString(_sku, 0, _skuLength);

    /// <summary>What the product prices, or null when its price is not kept.</summary>
    public Kept? Classify(string? fileRegion)
    {
        if (_skuLength == 0)
        {
            return null;
        }
        var regionCode = Get(Field.RegionCode);
        var region = !regionCode.IsEmpty ? Encoding.UTF8.GetString(regionCode) : fileRegion;
        if (region is null)
        {
            return null;
        }

        var family = Get(Field.Family);
        if (family.SequenceEqual("Compute Instance"u8) || family.SequenceEqual("Compute Instance (bare metal)"u8))
        {
            return Compute(region);
        }
        if (family.SequenceEqual("Storage"u8))
        {
            var volume = Get(Field.VolumeApiName);
            return volume.IsEmpty ? null : new Kept(KeptKind.Storage, region, Encoding.UTF8.GetString(volume));
        }

        var group = Get(Field.Group);
        var usage = Get(Field.UsageType);
        if (group.SequenceEqual("VPCPublicIPv4Address"u8))
        {
            return usage.EndsWith("PublicIPv4:InUseAddress"u8) ? new Kept(KeptKind.Ipv4InUse, region, "")
                : usage.EndsWith("PublicIPv4:IdleAddress"u8) ? new Kept(KeptKind.Ipv4Idle, region, "")
                : null;
        }
        return EbsPerformance(region, group, usage);
    }

    private Kept? Compute(string region)
    {
        var type = Get(Field.InstanceType);
        var market = Get(Field.MarketOption);
        if (type.IsEmpty
            || !Is(Field.Tenancy, "Shared"u8)
            || !Is(Field.CapacityStatus, "Used"u8)
            || !Is(Field.PreInstalledSw, "NA"u8)
            || !Is(Field.LicenseModel, "No License required"u8)
            || !(_length[(int)Field.MarketOption] == Absent || market.SequenceEqual("OnDemand"u8))
            || _length[(int)Field.InstanceSku] != Absent
            || Get(Field.UsageType).IndexOf("Reservation:"u8) >= 0)
        {
            return null;
        }
        InstanceOs? os = Is(Field.OperatingSystem, "Linux"u8) && Is(Field.Operation, "RunInstances"u8) ? InstanceOs.Linux
            : Is(Field.OperatingSystem, "Windows"u8) && Is(Field.Operation, "RunInstances:0002"u8) ? InstanceOs.Windows
            : null;
        return os is { } known ? new Kept(KeptKind.Compute, region, Encoding.UTF8.GetString(type), known) : null;
    }

    private Kept? EbsPerformance(string region, ReadOnlySpan<byte> group, ReadOnlySpan<byte> usage)
    {
        var iops = usage.IndexOf("EBS:VolumeP-IOPS."u8);
        var throughput = usage.IndexOf("EBS:VolumeP-Throughput."u8);
        KeptKind? kind = group.SequenceEqual("EBS IOPS"u8) ? KeptKind.Iops
            : group.SequenceEqual("EBS IOPS Tier 2"u8) ? KeptKind.IopsTier2
            : group.SequenceEqual("EBS IOPS Tier 3"u8) ? KeptKind.IopsTier3
            : group.SequenceEqual("EBS Throughput"u8) ? KeptKind.Throughput
            : !group.IsEmpty ? null
            : iops >= 0 ? (usage.EndsWith(".tier2"u8) ? KeptKind.IopsTier2 : usage.EndsWith(".tier3"u8) ? KeptKind.IopsTier3 : KeptKind.Iops)
            : throughput >= 0 ? KeptKind.Throughput
            : null;
        if (kind is not { } known)
        {
            return null;
        }

        var volume = Get(Field.VolumeApiName);
        if (volume.IsEmpty)
        {
            // Older files have no volumeApiName on these products: EBS:VolumeP-IOPS.piops, EBS:VolumeP-IOPS.io2.tier2, ...
            var tail = iops >= 0 ? usage[(iops + "EBS:VolumeP-IOPS."u8.Length)..]
                : throughput >= 0 ? usage[(throughput + "EBS:VolumeP-Throughput."u8.Length)..]
                : [];
            var dot = tail.IndexOf((byte)'.');
            volume = dot >= 0 ? tail[..dot] : tail;
            if (volume.SequenceEqual("piops"u8))
            {
                volume = "io1"u8;
            }
        }
        return volume.IsEmpty ? null : new Kept(known, region, Encoding.UTF8.GetString(volume));
    }

    private ReadOnlySpan<byte> Get(Field field)
    {
        var length = _length[(int)field];
        return length > 0 ? _bytes.AsSpan(_start[(int)field], length) : [];
    }

    private bool Is(Field field, ReadOnlySpan<byte> value) => _length[(int)field] >= 0 && Get(field).SequenceEqual(value);
}
