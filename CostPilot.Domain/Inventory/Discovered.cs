namespace CostPilot.Domain.Inventory;

/// <summary>An instance as an inventory source reports it. Tags are untrusted text.</summary>
public sealed record DiscoveredInstance(
    string InstanceId,
    string InstanceType,
    string State,
    string? AvailabilityZone,
    string Platform,
    string Architecture,
    DateTimeOffset? LaunchTime,
    string Lifecycle,
    IReadOnlyDictionary<string, string> Tags)
{
    public string? Name => Tags.TryGetValue("Name", out var name) ? name : null;
}

public sealed record DiscoveredVolume(
    string VolumeId,
    int SizeGiB,
    string VolumeType,
    int? Iops,
    int? ThroughputMiBps,
    string State,
    string? AvailabilityZone,
    string? AttachedInstanceId,
    IReadOnlyDictionary<string, string> Tags);

public sealed record DiscoveredAddress(
    string AllocationId,
    string PublicIp,
    string? InstanceId,
    string? AssociationId,
    string Domain,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>Why a source could not answer, in terms a user can act on (no AWS types leak out).</summary>
public enum InventoryFailure
{
    /// <summary>The credentials are wrong, expired or revoked.</summary>
    InvalidCredentials,

    /// <summary>The identity works but a policy (IAM, SCP) denies the call.</summary>
    AccessDenied,

    /// <summary>The region is not enabled for the account.</summary>
    RegionDisabled,

    /// <summary>Still throttled after retries.</summary>
    Throttled,

    /// <summary>Network trouble, timeouts, 5xx.</summary>
    Unavailable,

    /// <summary>The answer was read but cannot be right (a missing id, a value far longer than AWS ever sends).</summary>
    InvalidAnswer,
}

public sealed class InventoryException(InventoryFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public InventoryFailure Failure { get; } = failure;
}

/// <summary>The port discovery reads an AWS account through: the real AWS API, or the built-in sandbox fleet.</summary>
public interface IInventorySource
{
    Task<IReadOnlyList<string>> ListRegionsAsync(CancellationToken ct);

    /// <summary>Pages of instances, in the order the source pages them.</summary>
    IAsyncEnumerable<IReadOnlyList<DiscoveredInstance>> ListInstancesAsync(string region, CancellationToken ct);

    Task<IReadOnlyList<DiscoveredVolume>> ListVolumesAsync(string region, CancellationToken ct);

    Task<IReadOnlyList<DiscoveredAddress>> ListAddressesAsync(string region, CancellationToken ct);
}
