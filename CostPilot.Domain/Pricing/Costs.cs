namespace CostPilot.Domain.Pricing;

/// <summary>Where an instance's compute price came from; <see cref="Unknown"/> is never counted as $0.</summary>
public enum PriceSource
{
    OnDemand,
    Spot,
    Unknown,
}

public static class PriceSources
{
    /// <summary>The label CSV exports and the grid use: "on-demand", "spot" or "unknown".</summary>
    public static string Label(this PriceSource source) => source switch
    {
        PriceSource.OnDemand => "on-demand",
        PriceSource.Spot => "spot",
        _ => "unknown",
    };

    public static PriceSource Parse(string label) => label switch
    {
        "on-demand" => PriceSource.OnDemand,
        "spot" => PriceSource.Spot,
        "unknown" => PriceSource.Unknown,
        _ => throw new FormatException($"'{label}' is not a price source."),
    };
}

/// <summary>An instance's compute cost. Unknown prices are null, never zero.</summary>
public readonly record struct InstanceCost(decimal? Hourly, decimal? Monthly, PriceSource Source)
{
    public static readonly InstanceCost Unknown = new(null, null, PriceSource.Unknown);
}

/// <summary>A volume's or an address's monthly cost; null when the catalog does not know its price.</summary>
public readonly record struct ResourceCost(decimal? Monthly)
{
    public bool IsUnknown => Monthly is null;
}

/// <summary>
/// The cost rules. Money is <see cref="decimal"/>; a month is 730 hours. Each line item (an instance, a volume, an address) is
/// rounded once, to the cent, as it is displayed; every total is the exact sum of its line items, so a total always equals the
/// sum of its displayed parts.
/// </summary>
public static class Costs
{
    public const decimal HoursPerMonth = 730m;

    /// <summary>gp3 includes 3,000 IOPS and 125 MiB/s at no extra charge.</summary>
    public const int Gp3FreeIops = 3000;
    public const int Gp3FreeThroughputMiBps = 125;

    /// <summary>io2 IOPS tiers: the first 32,000, the next 32,000, then the rest.</summary>
    public const int Io2Tier1Iops = 32_000;
    public const int Io2Tier2Iops = 64_000;

    /// <summary>A line item's monthly figure: exact arithmetic, rounded once to the cent (half away from zero).</summary>
    public static decimal ToCents(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);

    public static decimal MonthlyOf(decimal hourly) => ToCents(hourly * HoursPerMonth);

    /// <summary>"linux" and "windows" (as discovery stores them) are priced; every other platform is not.</summary>
    public static InstanceOs? OsOf(string platform) => platform switch
    {
        "linux" => InstanceOs.Linux,
        "windows" => InstanceOs.Windows,
        _ => null,
    };

    /// <summary>EC2's placement tenancy ("default", "dedicated", "host"); anything else is unknown.</summary>
    public static Tenancy? TenancyOf(string? tenancy) => tenancy switch
    {
        null or "" or "default" => Tenancy.Shared,
        "dedicated" => Tenancy.Dedicated,
        "host" => Tenancy.Host,
        _ => null,
    };

    /// <summary>
    /// Compute cost of one instance. Only a running instance costs compute; a stopped, pending, stopping or terminated one
    /// costs nothing. A running on-demand instance costs the catalog's price for its region, type, OS and tenancy; a spot
    /// instance its latest spot price (<paramref name="spotHourly"/>). Anything the catalog cannot price is unknown.
    /// </summary>
    public static InstanceCost Instance(IPriceCatalog catalog, string region, string instanceType, string platform,
        string? tenancy, string lifecycle, bool running, decimal? spotHourly)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var source = lifecycle switch
        {
            "on-demand" => PriceSource.OnDemand,
            "spot" => PriceSource.Spot,
            _ => PriceSource.Unknown,
        };
        if (!running)
        {
            return source == PriceSource.Unknown ? new InstanceCost(0m, 0m, PriceSource.OnDemand) : new InstanceCost(0m, 0m, source);
        }
        decimal? hourly = source switch
        {
            PriceSource.Spot => spotHourly is > 0m ? spotHourly : null,
            PriceSource.OnDemand when OsOf(platform) is { } os && TenancyOf(tenancy) is { } t => catalog.InstanceHourly(region, instanceType, os, t),
            _ => null,
        };
        return hourly is { } h ? new InstanceCost(h, MonthlyOf(h), source) : InstanceCost.Unknown;
    }

    /// <summary>
    /// Monthly cost of one EBS volume, attached or not: storage per GB-month, plus gp3 IOPS above 3,000 and throughput above
    /// 125 MiB/s, plus io1's provisioned IOPS, plus io2's provisioned IOPS by tier. Unknown when the catalog lacks a rate it needs.
    /// </summary>
    public static ResourceCost Volume(IPriceCatalog catalog, string region, string volumeType, int sizeGiB, int? iops, int? throughputMiBps)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (catalog.Ebs(region, volumeType) is not { } rate || sizeGiB < 0)
        {
            return new ResourceCost(null);
        }
        var total = sizeGiB * rate.PerGbMonth;
        var provisioned = Math.Max(0, iops ?? 0);
        switch (volumeType)
        {
            case "gp3":
                var extraIops = Math.Max(0, provisioned - Gp3FreeIops);
                var extraThroughput = Math.Max(0, (throughputMiBps ?? 0) - Gp3FreeThroughputMiBps);
                if ((extraIops > 0 && rate.PerIopsMonth is null) || (extraThroughput > 0 && rate.PerMiBpsMonth is null))
                {
                    return new ResourceCost(null);
                }
                total += extraIops * (rate.PerIopsMonth ?? 0m) + extraThroughput * (rate.PerMiBpsMonth ?? 0m);
                break;
            case "io1":
                if (rate.PerIopsMonth is not { } io1)
                {
                    return new ResourceCost(null);
                }
                total += provisioned * io1;
                break;
            case "io2":
                if (rate.PerIopsMonth is not { } tier1)
                {
                    return new ResourceCost(null);
                }
                var inTier2 = Math.Clamp(provisioned - Io2Tier1Iops, 0, Io2Tier2Iops - Io2Tier1Iops);
                var inTier3 = Math.Max(0, provisioned - Io2Tier2Iops);
                if ((inTier2 > 0 && rate.PerIopsMonthTier2 is null) || (inTier3 > 0 && rate.PerIopsMonthTier3 is null))
                {
                    return new ResourceCost(null);
                }
                total += Math.Min(provisioned, Io2Tier1Iops) * tier1 + inTier2 * (rate.PerIopsMonthTier2 ?? 0m) + inTier3 * (rate.PerIopsMonthTier3 ?? 0m);
                break;
        }
        return new ResourceCost(ToCents(total));
    }

    /// <summary>Monthly cost of one Elastic IP: AWS bills every public IPv4 address by the hour, attached or idle (since February 2024).</summary>
    public static ResourceCost Address(IPriceCatalog catalog, string region)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ResourceCost(catalog.PublicIpv4Hourly(region) is { } hourly ? MonthlyOf(hourly) : null);
    }
}
