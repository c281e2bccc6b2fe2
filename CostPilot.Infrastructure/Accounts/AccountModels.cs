using CostPilot.Domain.Accounts;

namespace CostPilot.Infrastructure.Accounts;

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
    int Running);

/// <summary>Live instances of one region by state, and when the region was last scanned completely (null: not yet).</summary>
public sealed record RegionCount(string Region, int Running, int Stopped, int Other, DateTimeOffset? LastScanAt = null)
{
    public int Total => Running + Stopped + Other;
}

public sealed record AccountDetail(AccountRow Account, IReadOnlyList<RegionCount> Regions, int Volumes, int UnattachedVolumes, int Addresses, int IdleAddresses);

/// <summary>Outcome of a connection attempt: the new account, or a message for the form. Nothing is saved on failure.</summary>
public sealed record ConnectResult(Guid? AccountId, string? Error)
{
    public bool Succeeded => AccountId is not null;
    public static ConnectResult Fail(string error) => new(null, error);
}

public enum InstanceSort
{
    Name,
    InstanceId,
    Region,
    InstanceType,
    State,
    LaunchTime,
}

public sealed record InstanceQuery(
    string? Region = null,
    string? State = null,
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
    string InstanceType,
    string State,
    string? AvailabilityZone,
    string Platform,
    string Architecture,
    string Lifecycle,
    DateTimeOffset? LaunchTime,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset? GoneAt,
    DateTimeOffset LastSeenAt);

public sealed record InstancePage(IReadOnlyList<InstanceRow> Rows, int Total);
