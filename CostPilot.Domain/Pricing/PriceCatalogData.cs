namespace CostPilot.Domain.Pricing;

/// <summary>
/// An immutable, in-memory price catalog: lookups are dictionary reads with struct keys (no allocation). Built once by
/// <see cref="PriceCatalogBuilder"/>, then swapped in whole, so readers never see half a catalog.
/// </summary>
public sealed class PriceCatalogData : IPriceCatalog
{
    private readonly Dictionary<(string Region, string Type, InstanceOs Os), decimal> _compute;
    private readonly Dictionary<(string Region, string VolumeType), EbsRate> _ebs;
    private readonly Dictionary<string, decimal> _ipv4;

    internal PriceCatalogData(PriceCatalogInfo info,
        Dictionary<(string Region, string Type, InstanceOs Os), decimal> compute,
        Dictionary<(string Region, string VolumeType), EbsRate> ebs,
        Dictionary<string, decimal> ipv4)
    {
        Info = info;
        _compute = compute;
        _ebs = ebs;
        _ipv4 = ipv4;
    }

    public PriceCatalogInfo Info { get; }

    public int ComputePriceCount => _compute.Count;

    public IEnumerable<string> Regions => _compute.Keys.Select(k => k.Region).Distinct(StringComparer.Ordinal);

    /// <summary>Every compute price, for serialization.</summary>
    public IEnumerable<(string Region, string Type, InstanceOs Os, decimal Hourly)> ComputePrices =>
        _compute.Select(p => (p.Key.Region, p.Key.Type, p.Key.Os, p.Value));

    public IEnumerable<(string Region, string VolumeType, EbsRate Rate)> EbsRates => _ebs.Select(p => (p.Key.Region, p.Key.VolumeType, p.Value));

    public IEnumerable<(string Region, decimal Hourly)> PublicIpv4Rates => _ipv4.Select(p => (p.Key, p.Value));

    public decimal? InstanceHourly(string region, string instanceType, InstanceOs os, Tenancy tenancy) =>
        tenancy == Tenancy.Shared && _compute.TryGetValue((region, instanceType, os), out var hourly) ? hourly : null;

    public EbsRate? Ebs(string region, string volumeType) => _ebs.GetValueOrDefault((region, volumeType));

    public decimal? PublicIpv4Hourly(string region) => _ipv4.TryGetValue(region, out var hourly) ? hourly : null;
}

/// <summary>Collects prices (from the shipped snapshot, a stored catalog or AWS's Price List files) into a <see cref="PriceCatalogData"/>.</summary>
public sealed class PriceCatalogBuilder
{
    private readonly Dictionary<(string, string, InstanceOs), decimal> _compute = [];
    private readonly Dictionary<(string, string), EbsRate> _ebs = [];
    private readonly Dictionary<string, decimal> _ipv4 = new(StringComparer.Ordinal);

    public int ComputePriceCount => _compute.Count;

    /// <summary>Adds an hourly on-demand shared-tenancy price. A price must be positive: AWS lists $0.00 for products it does not sell by the hour.</summary>
    public PriceCatalogBuilder AddCompute(string region, string instanceType, InstanceOs os, decimal hourly)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceType);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hourly);
        _compute[(region, instanceType, os)] = hourly;
        return this;
    }

    public PriceCatalogBuilder AddEbs(string region, string volumeType, EbsRate rate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(volumeType);
        ArgumentNullException.ThrowIfNull(rate);
        _ebs[(region, volumeType)] = rate;
        return this;
    }

    public PriceCatalogBuilder AddPublicIpv4(string region, decimal hourly)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hourly);
        _ipv4[region] = hourly;
        return this;
    }

    public PriceCatalogData Build(PriceCatalogInfo info) =>
        new(info, new(_compute), new(_ebs), new(_ipv4, StringComparer.Ordinal));
}
