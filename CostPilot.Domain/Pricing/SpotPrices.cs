using CostPilot.Domain.Inventory;

namespace CostPilot.Domain.Pricing;

/// <summary>
/// The latest spot prices of one region, as <c>DescribeSpotPriceHistory</c> reports them: per availability zone, instance type
/// and product description ("Linux/UNIX", "Windows").
/// </summary>
public sealed class SpotPrices
{
    public static readonly SpotPrices None = new([]);

    private readonly Dictionary<(string Zone, string Type, string Product), decimal> _prices;

    /// <summary>The newest price of each zone, type and product wins.</summary>
    public SpotPrices(IEnumerable<DiscoveredSpotPrice> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        _prices = [];
        foreach (var p in prices.Where(p => p.HourlyUsd > 0m).OrderBy(p => p.Timestamp))
        {
            _prices[(p.AvailabilityZone, p.InstanceType, p.ProductDescription)] = p.HourlyUsd;
        }
    }

    public int Count => _prices.Count;

    /// <summary>The hourly spot price for an instance in that zone; null when none is known.</summary>
    public decimal? Find(string? zone, string instanceType, string platform) =>
        zone is not null && DiscoveredSpotPrice.ProductOf(platform) is { } product
            && _prices.TryGetValue((zone, instanceType, product), out var hourly) ? hourly : null;
}
