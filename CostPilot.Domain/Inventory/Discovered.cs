namespace CostPilot.Domain.Inventory;

/// <summary>An instance as an inventory source reports it. Tags are untrusted text.</summary>
/// <param name="Platform">
/// What pricing needs: "linux" (EC2's platform details "Linux/UNIX"), "windows" ("Windows", licence included), or any other
/// platform details lower-cased ("red hat enterprise linux", "windows with sql server standard", ...), which pricing does not price.
/// </param>
/// <param name="Tenancy">EC2's placement tenancy: "default" (shared), "dedicated" or "host".</param>
/// <param name="StateChangedAt">When it entered its state, from EC2's state-transition reason; null when AWS does not say.</param>
public sealed record DiscoveredInstance(
    string InstanceId,
    string InstanceType,
    string State,
    string? AvailabilityZone,
    string Platform,
    string Architecture,
    DateTimeOffset? LaunchTime,
    string Lifecycle,
    IReadOnlyDictionary<string, string> Tags,
    string Tenancy = DiscoveredInstance.DefaultTenancy,
    DateTimeOffset? StateChangedAt = null)
{
    /// <summary>Shared tenancy, as EC2 spells it.</summary>
    public const string DefaultTenancy = "default";

    /// <summary>The longest platform text kept (the stored column's width).</summary>
    public const int MaxPlatformLength = 64;

    /// <summary>
    /// <see cref="Platform"/> from EC2's platform details ("Linux/UNIX", "Windows", "Red Hat Enterprise Linux", ...). Without
    /// them (an older answer), from EC2's platform, which is "windows" for Windows and absent otherwise.
    /// </summary>
    public static string PlatformOf(string? platformDetails, string? platform)
    {
        if (string.IsNullOrWhiteSpace(platformDetails))
        {
            return string.IsNullOrEmpty(platform) ? "linux" : platform.ToLowerInvariant();
        }
        var details = platformDetails.Trim().ToLowerInvariant();
        return details switch
        {
            "linux/unix" => "linux",
            "windows" => "windows",
            _ => details.Length <= MaxPlatformLength ? details : details[..MaxPlatformLength],
        };
    }

    public string? Name => Tags.TryGetValue("Name", out var name) ? name : null;

    /// <summary>
    /// The time in EC2's state-transition reason, which ends in it for user- and service-initiated changes:
    /// "User initiated (2026-10-01 09:30:12 GMT)". Null when the reason is empty (a running instance) or has no time.
    /// </summary>
    public static DateTimeOffset? StateChangedAtOf(string? stateTransitionReason)
    {
        if (string.IsNullOrEmpty(stateTransitionReason))
        {
            return null;
        }
        var open = stateTransitionReason.LastIndexOf('(');
        var close = stateTransitionReason.LastIndexOf(" GMT)", StringComparison.Ordinal);
        return open >= 0 && close > open
            && DateTime.TryParseExact(stateTransitionReason.AsSpan(open + 1, close - open - 1), "yyyy-MM-dd HH:mm:ss",
                System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? new DateTimeOffset(at, TimeSpan.Zero)
            : null;
    }
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

/// <summary>The spot price in effect for one availability zone, instance type and product (EC2's product description).</summary>
/// <param name="ProductDescription">"Linux/UNIX" or "Windows", as EC2 spells it.</param>
/// <param name="HourlyUsd">Always positive.</param>
/// <param name="Timestamp">When the price took effect.</param>
public sealed record DiscoveredSpotPrice(
    string AvailabilityZone,
    string InstanceType,
    string ProductDescription,
    decimal HourlyUsd,
    DateTimeOffset Timestamp)
{
    public const string LinuxProduct = "Linux/UNIX";
    public const string WindowsProduct = "Windows";

    /// <summary>The products whose spot prices discovery asks for: what running Linux and Windows instances report.</summary>
    public static readonly IReadOnlyList<string> Products = [LinuxProduct, WindowsProduct];

    /// <summary>The product whose spot price applies to an instance of <paramref name="platform"/>; null for a platform that is not priced.</summary>
    public static string? ProductOf(string platform) => platform switch
    {
        "linux" => LinuxProduct,
        "windows" => WindowsProduct,
        _ => null,
    };
}

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

    /// <summary>
    /// The latest spot price per availability zone, instance type and product description ("Linux/UNIX", "Windows") for
    /// <paramref name="instanceTypes"/> in <paramref name="region"/>. No types: an empty list, and nothing is asked.
    /// </summary>
    Task<IReadOnlyList<DiscoveredSpotPrice>> ListSpotPricesAsync(string region, IReadOnlyCollection<string> instanceTypes, CancellationToken ct);
}
