using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing;

namespace CostPilot.Infrastructure.Sandbox;

/// <summary>
/// The sample account: a deterministic simulated fleet (the same every time) served page by page,
/// so it goes through exactly the discovery path a real account does, with no AWS at all. Its spot prices
/// follow <paramref name="catalog"/>'s on-demand prices. Its stopped instances stopped 1 to 120 days before the day of the scan
/// (by <paramref name="clock"/>), so "stopped for over a month" always has examples. The account's <paramref name="changed"/>
/// instances (what its experiments did, see <see cref="SandboxInstanceActions"/>) are served as they are at the clock: their
/// type and its architecture (from <paramref name="types"/>), their state and the original-type tag.
/// </summary>
public sealed class SandboxInventorySource(
    TimeSpan pageDelay,
    IPriceCatalog catalog,
    TimeProvider clock,
    IReadOnlyCollection<SandboxInstance> changed,
    IInstanceTypeCatalog types) : IInventorySource
{
    /// <summary>The generated fleet as it is, with no experiment's changes.</summary>
    public SandboxInventorySource(TimeSpan pageDelay, IPriceCatalog catalog, TimeProvider clock)
        : this(pageDelay, catalog, clock, [], InstanceTypeCatalog.Default)
    {
    }

    /// <summary>The longest a sandbox instance has been in its state (stopped, stopping, pending).</summary>
    public const int MaxDaysInState = 120;

    public const int PageSize = 100;

    /// <summary>A sandbox spot price is this share of the on-demand price, or more (up to <see cref="MaxSpotShare"/>).</summary>
    public const decimal MinSpotShare = 0.30m;
    public const decimal MaxSpotShare = 0.45m;

    private readonly Dictionary<string, SandboxInstance> _changed = changed.ToDictionary(i => i.InstanceId, StringComparer.Ordinal);

    public async Task<IReadOnlyList<string>> ListRegionsAsync(CancellationToken ct)
    {
        await Task.Delay(pageDelay, ct);
        return SandboxFleet.Regions;
    }

    public async IAsyncEnumerable<IReadOnlyList<DiscoveredInstance>> ListInstancesAsync(string region, [EnumeratorCancellation] CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        foreach (var page in SandboxFleet.Default.Instances.Where(i => i.Region == region).Select(i => AsOf(i.Instance, region, today, now)).Chunk(PageSize))
        {
            await Task.Delay(pageDelay, ct);
            yield return page;
        }
    }

    private DiscoveredInstance AsOf(DiscoveredInstance generated, string region, DateTimeOffset today, DateTimeOffset now) =>
        _changed.TryGetValue(generated.InstanceId, out var row) && row.Region == region
            ? row.ApplyTo(generated, now, types)
            : WithStateChange(generated, today);

    /// <summary>
    /// A state change for every instance that is not running: 1 to <see cref="MaxDaysInState"/> days (and some hours) before
    /// <paramref name="today"/>, chosen by a hash of its id, never before its launch; EC2 says nothing for running ones.
    /// </summary>
    internal static DiscoveredInstance WithStateChange(DiscoveredInstance instance, DateTimeOffset today)
    {
        if (instance.State == InstanceState.Running.Value)
        {
            return instance;
        }
        var hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(instance.InstanceId), SandboxFleet.Seed);
        var changedAt = today.AddDays(-(double)(1 + hash % MaxDaysInState)).AddHours((double)(hash >> 32 & 15));
        if (instance.LaunchTime is { } launched && changedAt <= launched)
        {
            changedAt = launched.AddHours(1);
        }
        return instance with { StateChangedAt = changedAt };
    }

    public Task<IReadOnlyList<DiscoveredVolume>> ListVolumesAsync(string region, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<DiscoveredVolume>>([.. SandboxFleet.Default.Volumes.Where(v => v.Region == region).Select(v => v.Volume)]);

    public Task<IReadOnlyList<DiscoveredAddress>> ListAddressesAsync(string region, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<DiscoveredAddress>>([.. SandboxFleet.Default.Addresses.Where(a => a.Region == region).Select(a => a.Address)]);

    /// <summary>
    /// For every zone the region's spot instances run in, each asked type and each product: 30–45 % of the catalog's on-demand
    /// price (chosen by a hash of the key, so the same every time), to 4 decimals as AWS quotes them. No on-demand price, no spot price.
    /// </summary>
    public Task<IReadOnlyList<DiscoveredSpotPrice>> ListSpotPricesAsync(string region, IReadOnlyCollection<string> instanceTypes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instanceTypes);
        var zones = SandboxFleet.Default.Instances
            .Where(i => i.Region == region && i.Instance.Lifecycle == "spot" && i.Instance.AvailabilityZone is not null)
            .Select(i => i.Instance.AvailabilityZone!)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var prices = new List<DiscoveredSpotPrice>();
        foreach (var zone in zones)
        {
            foreach (var type in instanceTypes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                foreach (var (product, os) in new[] { (DiscoveredSpotPrice.LinuxProduct, InstanceOs.Linux), (DiscoveredSpotPrice.WindowsProduct, InstanceOs.Windows) })
                {
                    if (catalog.InstanceHourly(region, type, os, Tenancy.Shared) is { } onDemand && SpotPrice(zone, type, product, onDemand) is { } spot)
                    {
                        prices.Add(spot);
                    }
                }
            }
        }
        return Task.FromResult<IReadOnlyList<DiscoveredSpotPrice>>(prices);
    }

    private static DiscoveredSpotPrice? SpotPrice(string zone, string type, string product, decimal onDemand)
    {
        var hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes($"{zone}|{type}|{product}"), SandboxFleet.Seed);
        var share = MinSpotShare + (MaxSpotShare - MinSpotShare) * (hash % 10_001) / 10_000m;
        // Rounding must not carry a small price out of the 30–45 % band.
        var lowest = Math.Ceiling(onDemand * MinSpotShare * 10_000m) / 10_000m;
        var highest = Math.Floor(onDemand * MaxSpotShare * 10_000m) / 10_000m;
        if (lowest > highest || highest <= 0m)
        {
            return null;
        }
        var hourly = Math.Clamp(Math.Round(onDemand * share, 4, MidpointRounding.AwayFromZero), lowest, highest);
        // The last price change: within the three days before the fleet's snapshot time.
        var changedAt = SandboxFleet.BaseTime.AddMinutes(-(double)(1 + (hash >> 32) % (3 * 24 * 60)));
        return new DiscoveredSpotPrice(zone, type, product, hourly, changedAt);
    }
}

internal sealed record SandboxFleet(
    IReadOnlyList<(string Region, DiscoveredInstance Instance)> Instances,
    IReadOnlyList<(string Region, DiscoveredVolume Volume)> Volumes,
    IReadOnlyList<(string Region, DiscoveredAddress Address)> Addresses)
{
    public static readonly IReadOnlyList<string> Regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"];

    private static readonly Lazy<SandboxFleet> Generated = new(Build);

    private readonly Dictionary<(string Region, string InstanceId), DiscoveredInstance> _byId =
        Instances.ToDictionary(i => (i.Region, i.Instance.InstanceId), i => i.Instance);

    /// <summary>The fleet, built on first use (thread-safe) and shared afterwards.</summary>
    public static SandboxFleet Default => Generated.Value;

    public const int Seed = 20_261_125;

    /// <summary>When the fleet was "seen": its launch times and spot price changes lie before this.</summary>
    public static readonly DateTimeOffset BaseTime = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    // Share of the fleet per region, in the order above.
    private static readonly int[] RegionCounts = [140, 80, 60, 30, 16];

    // A realistic mix: old and new generations, burstable, Graviton (…g) and x86.
    private static readonly (string Family, string[] Sizes, int Weight)[] Families =
    [
        ("t2", ["micro", "small", "medium", "large"], 6),
        ("t3", ["micro", "small", "medium", "large", "xlarge"], 12),
        ("t3a", ["small", "medium", "large"], 4),
        ("t4g", ["micro", "small", "medium", "large"], 6),
        ("m4", ["large", "xlarge", "2xlarge"], 4),
        ("m5", ["large", "xlarge", "2xlarge", "4xlarge"], 12),
        ("m6i", ["large", "xlarge", "2xlarge"], 6),
        ("m6g", ["large", "xlarge", "2xlarge"], 5),
        ("m7g", ["large", "xlarge"], 3),
        ("c4", ["large", "xlarge"], 3),
        ("c5", ["large", "xlarge", "2xlarge", "4xlarge"], 8),
        ("c6g", ["large", "xlarge", "2xlarge"], 4),
        ("c7i", ["large", "xlarge"], 2),
        ("r4", ["large", "xlarge"], 2),
        ("r5", ["large", "xlarge", "2xlarge"], 6),
        ("r6g", ["large", "xlarge"], 3),
        ("i3", ["large", "xlarge"], 2),
        ("g4dn", ["xlarge"], 1),
    ];

    private static readonly string[] Teams = ["payments", "search", "data", "platform", "web", "ml"];
    private static readonly string[] Apps = ["api", "worker", "db", "cache", "etl", "frontend", "batch", "kafka"];
    private static readonly (string Name, int Weight)[] Environments = [("production", 5), ("staging", 2), ("development", 3)];

    /// <summary>The instance as generated (its state with no state-change time); null when the region has no such instance.</summary>
    public DiscoveredInstance? FindInstance(string region, string instanceId) => _byId.GetValueOrDefault((region, instanceId));

    public static SandboxFleet Build()
    {
        var random = new Random(Seed);
        var instances = new List<(string, DiscoveredInstance)>();
        var volumes = new List<(string, DiscoveredVolume)>();
        var addresses = new List<(string, DiscoveredAddress)>();
        var baseTime = BaseTime;
        var serial = 0;
        for (var r = 0; r < Regions.Count; r++)
        {
            var region = Regions[r];
            for (var n = 0; n < RegionCounts[r]; n++)
            {
                serial++;
                var (family, sizes, _) = Pick(random, Families, f => f.Weight);
                var size = sizes[random.Next(sizes.Length)];
                var team = Teams[random.Next(Teams.Length)];
                var app = Apps[random.Next(Apps.Length)];
                var env = Pick(random, Environments, e => e.Weight).Name;
                var id = $"i-{Hex(random, 17)}";
                var az = $"{region}{"abc"[random.Next(3)]}";
                var roll = random.Next(100);
                var state = roll < 78 ? "running" : roll < 96 ? "stopped" : roll < 98 ? "stopping" : "pending";
                var tags = new Dictionary<string, string>
                {
                    ["Name"] = $"{team}-{app}-{env[..4]}-{n % 40 + 1:00}",
                    ["Environment"] = env,
                    ["Team"] = team,
                };
                if (random.Next(10) == 0)
                {
                    tags["CostCenter"] = $"CC-{random.Next(1000, 9999)}";
                }
                var instance = new DiscoveredInstance(
                    id,
                    $"{family}.{size}",
                    state,
                    az,
                    random.Next(20) == 0 && !family.EndsWith('g') ? "windows" : "linux",
                    family.EndsWith('g') || family == "t4g" ? "arm64" : "x86_64",
                    baseTime.AddHours(-random.Next(24, 24 * 900)),
                    random.Next(20) == 0 ? "spot" : "on-demand",
                    tags,
                    DiscoveredInstance.DefaultTenancy);
                instances.Add((region, instance));
                volumes.Add((region, new DiscoveredVolume(
                    $"vol-{Hex(random, 17)}", random.Next(1, 13) * 8, random.Next(3) == 0 ? "gp2" : "gp3", null, null,
                    "in-use", az, id, new Dictionary<string, string> { ["Name"] = tags["Name"] + "-root" })));
                if (serial % 25 == 0)
                {
                    addresses.Add((region, new DiscoveredAddress(
                        $"eipalloc-{Hex(random, 17)}", $"198.51.100.{serial % 250 + 1}", id, $"eipassoc-{Hex(random, 17)}", "vpc",
                        new Dictionary<string, string> { ["Name"] = tags["Name"] + "-eip" })));
                }
            }
            // Forgotten things: unattached volumes and idle Elastic IPs.
            for (var k = 0; k < 3 + r; k++)
            {
                volumes.Add((region, new DiscoveredVolume(
                    $"vol-{Hex(random, 17)}", random.Next(1, 64) * 8, random.Next(2) == 0 ? "gp2" : "io1", random.Next(2) == 0 ? 3000 : null, null,
                    "available", $"{region}a", null, new Dictionary<string, string> { ["Name"] = $"old-snapshot-restore-{k + 1}" })));
            }
            addresses.Add((region, new DiscoveredAddress(
                $"eipalloc-{Hex(random, 17)}", $"203.0.113.{r * 10 + 1}", null, null, "vpc",
                new Dictionary<string, string> { ["Name"] = "unused-" + region })));
        }
        return new SandboxFleet(instances, volumes, addresses);
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items, Func<T, int> weight)
    {
        var roll = random.Next(items.Sum(weight));
        foreach (var item in items)
        {
            roll -= weight(item);
            if (roll < 0)
            {
                return item;
            }
        }
        return items[^1];
    }

    private static string Hex(Random random, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(_ => random.Next(16).ToString("x", CultureInfo.InvariantCulture)));
}
