using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;

namespace CostPilot.Infrastructure.Inventory;

/// <summary>
/// What a set of resources costs per month. Each part is the exact sum of its line items (each already to the cent), so
/// <see cref="TotalUsd"/> equals the sum of the displayed parts. Resources whose price is unknown are counted, never priced.
/// </summary>
public sealed record CostBreakdown(
    decimal ComputeUsd,
    decimal StorageUsd,
    decimal AddressUsd,
    int UnknownInstances = 0,
    int UnknownVolumes = 0,
    int UnknownAddresses = 0)
{
    public static readonly CostBreakdown Zero = new(0m, 0m, 0m);

    public decimal TotalUsd => ComputeUsd + StorageUsd + AddressUsd;

    public int UnknownCount => UnknownInstances + UnknownVolumes + UnknownAddresses;

    public static CostBreakdown operator +(CostBreakdown a, CostBreakdown b) => new(
        a.ComputeUsd + b.ComputeUsd, a.StorageUsd + b.StorageUsd, a.AddressUsd + b.AddressUsd,
        a.UnknownInstances + b.UnknownInstances, a.UnknownVolumes + b.UnknownVolumes, a.UnknownAddresses + b.UnknownAddresses);
}

public sealed record AccountRow(
    Guid Id,
    string Name,
    string AwsAccountId,
    ConnectionMethod Method,
    AccountStatus Status,
    string? StatusMessage,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastDiscoveryAt,
    int Instances,
    int Running,
    CostBreakdown Cost);

/// <summary>Live instances of one region by state, and when the region was last scanned completely (null: not yet).</summary>
public sealed record RegionCount(string Region, int Running, int Stopped, int Other, DateTimeOffset? LastScanAt = null)
{
    public int Total => Running + Stopped + Other;
}

public sealed record AccountDetail(AccountRow Account, IReadOnlyList<RegionCount> Regions, int Volumes, int UnattachedVolumes, int Addresses, int IdleAddresses);

/// <summary>One slice of a cost chart: a region, a family or a tag value, with its monthly cost.</summary>
public sealed record CostShare(string Label, decimal MonthlyUsd);

/// <summary>An account's monthly run rate on one day (one row per account per day, written by discovery).</summary>
public sealed record CostPoint(DateOnly Day, decimal ComputeUsd, decimal StorageUsd, decimal AddressUsd)
{
    public decimal TotalUsd => ComputeUsd + StorageUsd + AddressUsd;
}

/// <summary>
/// Where an account's money goes. By region: every resource's cost. By family and by tag: instances' compute. Each list holds
/// the largest 8 and, when there are more, "other" with the rest, so each list adds up to its whole.
/// </summary>
public sealed record AccountCosts(
    IReadOnlyList<CostShare> ByRegion,
    IReadOnlyList<CostShare> ByFamily,
    IReadOnlyList<CostShare> ByTeam,
    IReadOnlyList<CostShare> ByEnvironment,
    IReadOnlyList<CostPoint> History);

public enum InstanceSort
{
    Name,
    InstanceId,
    Region,
    InstanceType,
    State,
    LaunchTime,
    HourlyCost,
    MonthlyCost,
}

public sealed record InstanceQuery(
    string? Region = null,
    InstanceState? State = null,
    string? InstanceType = null,
    string? Text = null,
    bool IncludeGone = false,
    InstanceSort SortBy = InstanceSort.Name,
    bool Descending = false,
    int Skip = 0,
    int Take = 25);

public sealed record InstanceRow(
    long Id,
    string InstanceId,
    string? Name,
    string Region,
    InstanceType InstanceType,
    InstanceState State,
    string? AvailabilityZone,
    string Platform,
    string Architecture,
    string Lifecycle,
    DateTimeOffset? LaunchTime,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset? GoneAt,
    DateTimeOffset LastSeenAt,
    decimal? HourlyUsd = null,
    decimal? MonthlyUsd = null,
    PriceSource? PriceSource = null);

public sealed record InstancePage(IReadOnlyList<InstanceRow> Rows, int Total);

/// <summary>Volumes and addresses: idle ones first, then the most expensive.</summary>
public sealed record ResourceQuery(string? Region = null, string? Text = null, bool IdleOnly = false, int Skip = 0, int Take = 25);

public sealed record VolumeRow(
    string VolumeId,
    string? Name,
    string Region,
    string VolumeType,
    int SizeGiB,
    int? Iops,
    int? ThroughputMiBps,
    string State,
    string? AttachedInstanceId,
    decimal? MonthlyUsd)
{
    public bool IsIdle => AttachedInstanceId is null;
}

public sealed record AddressRow(
    string AllocationId,
    string PublicIp,
    string? Name,
    string Region,
    string? InstanceId,
    string? AssociationId,
    decimal? MonthlyUsd)
{
    public bool IsIdle => AssociationId is null;
}

public sealed record ResourcePage<T>(IReadOnlyList<T> Rows, int Total);
