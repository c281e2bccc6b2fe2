namespace CostPilot.Domain.Inventory;

/// <summary>
/// The last complete scan of one region of an account. Every instance still live in that region was seen by it (the
/// ones it did not meet were marked gone), so it stands in for each unchanged instance's last sighting: a rescan
/// advances this one row instead of rewriting thousands.
/// </summary>
public sealed class RegionScan
{
    private RegionScan() { } // EF

    public RegionScan(Guid accountId, string region, DateTimeOffset completedAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        AccountId = accountId;
        Region = region;
        CompletedAt = completedAt;
    }

    public Guid AccountId { get; private set; }
    public string Region { get; private set; } = "";
    public DateTimeOffset CompletedAt { get; private set; }

    /// <summary>When an instance was last seen: a live one by the later of its own stamp and its region's last complete scan.</summary>
    public static DateTimeOffset LastSeen(DateTimeOffset instanceLastSeenAt, DateTimeOffset? goneAt, DateTimeOffset? regionScanCompletedAt) =>
        goneAt is null && regionScanCompletedAt > instanceLastSeenAt ? regionScanCompletedAt.Value : instanceLastSeenAt;
}
