namespace CostPilot.Domain.Inventory;

/// <summary>One EC2 instance as last seen by discovery. Kept after it disappears, for history.</summary>
public sealed class Instance
{
    private Instance() { } // EF

    public Instance(Guid accountId, string region, string instanceId, DateTimeOffset seenAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        AccountId = accountId;
        Region = region;
        InstanceId = instanceId;
        FirstSeenAt = seenAt;
        LastSeenAt = seenAt;
    }

    public long Id { get; private set; }
    public Guid AccountId { get; private set; }
    public string Region { get; private set; } = "";
    public string InstanceId { get; private set; } = "";
    public string InstanceType { get; set; } = "";
    public string State { get; set; } = "";
    public string? AvailabilityZone { get; set; }
    public string Platform { get; set; } = "linux";
    public string Architecture { get; set; } = "x86_64";
    public DateTimeOffset? LaunchTime { get; set; }

    /// <summary>The Name tag, copied out of <see cref="Tags"/> for search and sorting.</summary>
    public string? Name { get; set; }

    /// <summary>Untrusted text from AWS: render as text, never as markup.</summary>
    public Dictionary<string, string> Tags { get; set; } = [];

    /// <summary>"on-demand", "spot" or "scheduled".</summary>
    public string Lifecycle { get; set; } = "on-demand";

    public DateTimeOffset FirstSeenAt { get; private set; }
    /// <summary>
    /// When a scan last saw it, as written on the row: with every new or changed sighting, and when it is marked gone. A
    /// rescan that finds it unchanged does not rewrite the row; it advances its region's <see cref="RegionScan"/> instead,
    /// so a live instance was last seen at the later of the two (<see cref="RegionScan.LastSeen"/>).
    /// </summary>
    public DateTimeOffset LastSeenAt { get; private set; }

    /// <summary>When a complete scan of its region no longer found it; null while it exists.</summary>
    public DateTimeOffset? GoneAt { get; private set; }

    public void MarkGone(DateTimeOffset at) => GoneAt ??= at;
}
