using CostPilot.Domain.Pricing;

namespace CostPilot.Domain.Inventory;

/// <summary>
/// One EC2 instance as last seen by discovery, kept after it disappears, for history. Discovery writes instances in bulk
/// (InventoryStore), so this type is read-only: EF materializes it.
/// </summary>
public sealed class Instance
{
    private Instance() { } // EF

    public long Id { get; private set; }
    public Guid AccountId { get; private set; }
    public string Region { get; private set; } = "";
    public string InstanceId { get; private set; } = "";
    public InstanceType InstanceType { get; private set; }
    public InstanceState State { get; private set; }
    public string? AvailabilityZone { get; private set; }
    public string Platform { get; private set; } = "linux";
    public string Architecture { get; private set; } = "x86_64";
    public DateTimeOffset? LaunchTime { get; private set; }

    /// <summary>When it entered its current state (EC2's state-transition reason); null when AWS did not say.</summary>
    public DateTimeOffset? StateChangedAt { get; private set; }

    /// <summary>The Name tag, copied out of <see cref="Tags"/> for search and sorting.</summary>
    public string? Name { get; private set; }

    /// <summary>Untrusted text from AWS: render as text, never as markup.</summary>
    public Dictionary<string, string> Tags { get; private set; } = [];

    /// <summary>"on-demand", "spot" or "scheduled".</summary>
    public string Lifecycle { get; private set; } = "on-demand";

    /// <summary>EC2's placement tenancy: "default" (shared), "dedicated" or "host".</summary>
    public string Tenancy { get; private set; } = "default";

    /// <summary>
    /// Compute cost as last priced (<see cref="Pricing.Costs.Instance"/>): null with <see cref="PriceSource"/> null until the
    /// first pricing, null with <see cref="PriceSource.Unknown"/> when no price is known.
    /// </summary>
    public decimal? HourlyUsd { get; private set; }
    public decimal? MonthlyUsd { get; private set; }
    public PriceSource? PriceSource { get; private set; }

    public DateTimeOffset FirstSeenAt { get; private set; }
    /// <summary>
    /// When a scan last saw it, as written on the row: with every new or changed sighting, and when it is marked gone. A
    /// rescan that finds it unchanged does not rewrite the row; it advances its region's <see cref="RegionScan"/> instead,
    /// so a live instance was last seen at the later of the two (<see cref="RegionScan.LastSeen"/>).
    /// </summary>
    public DateTimeOffset LastSeenAt { get; private set; }

    /// <summary>When a complete scan of its region no longer found it; null while it exists.</summary>
    public DateTimeOffset? GoneAt { get; private set; }

}
