using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace CostPilot.Tests.Fakes;

/// <summary>A fault the fake answers instead of the real result (see <see cref="FakeAwsServer.FailNext"/>).</summary>
public enum FakeFault
{
    /// <summary>EC2: 400 RequestLimitExceeded. STS: 400 Throttling.</summary>
    Throttle,

    /// <summary>EC2: 403 UnauthorizedOperation. STS: 403 AccessDenied.</summary>
    Unauthorized,

    /// <summary>EC2: 401 AuthFailure. STS: 403 InvalidClientTokenId.</summary>
    AuthFailure,

    /// <summary>EC2: 500 InternalError. STS: 500 InternalFailure.</summary>
    ServerError,

    /// <summary>
    /// Holds the request for <see cref="FakeAwsServer.TimeoutDelay"/> (or until the client gives up or the
    /// server is disposed), then answers it normally.
    /// </summary>
    Timeout,
}

/// <summary>One request the fake answered, in completion order.</summary>
/// <param name="StatusCode">The HTTP status sent; 499 when the client went away (or the server stopped) first.</param>
/// <param name="ErrorCode">The AWS error code sent, null on success.</param>
public sealed record FakeRequest(
    string Service,
    string Action,
    string Region,
    string? AccountId,
    string? AccessKeyId,
    string? NextToken,
    int? MaxResults,
    int StatusCode,
    string? ErrorCode)
{
    /// <summary>CloudWatch GetMetricData: how many MetricDataQueries the request held.</summary>
    public int Queries { get; init; }
}

/// <summary>An EC2 instance. Defaults: a running linux x86_64 t3.micro in the region's "a" zone.</summary>
public sealed record FakeInstance(string InstanceId)
{
    private readonly string? _platformDetails;
    private readonly bool _platformDetailsSet;

    public string InstanceType { get; init; } = "t3.micro";

    /// <summary>pending, running, shutting-down, terminated, stopping or stopped.</summary>
    public string State { get; init; } = "running";

    /// <summary>Null means the region name + "a".</summary>
    public string? AvailabilityZone { get; init; }

    /// <summary>Null for linux, "windows" for windows (EC2 only reports the platform for windows).</summary>
    public string? Platform { get; init; }

    /// <summary>
    /// EC2's platformDetails ("Linux/UNIX", "Windows", "Red Hat Enterprise Linux", "Windows with SQL Server Standard", ...).
    /// Unless set: "Windows" for a windows <see cref="Platform"/>, else "Linux/UNIX". Set to null to leave it out of the answer.
    /// </summary>
    public string? PlatformDetails
    {
        get => _platformDetailsSet ? _platformDetails : Platform == "windows" ? "Windows" : "Linux/UNIX";
        init
        {
            _platformDetails = value;
            _platformDetailsSet = true;
        }
    }

    /// <summary>placement/tenancy: "default", "dedicated" or "host"; null leaves it out of the answer.</summary>
    public string? Tenancy { get; init; } = "default";

    /// <summary>x86_64, arm64, i386, ...</summary>
    public string Architecture { get; init; } = "x86_64";

    public DateTimeOffset LaunchTime { get; init; } = new(2025, 1, 15, 8, 30, 0, TimeSpan.Zero);

    /// <summary>Null for on-demand, "spot" for spot instances.</summary>
    public string? Lifecycle { get; init; }

    /// <summary>EC2's stateTransitionReason ("User initiated (2026-10-01 09:30:12 GMT)"); null sends an empty one, as EC2 does for running instances.</summary>
    public string? StateTransitionReason { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// One change of a spot price: from <paramref name="Timestamp"/> on, <paramref name="Price"/> (text as EC2 sends it, e.g.
/// "0.031200") is the price of <paramref name="InstanceType"/> with <paramref name="ProductDescription"/> ("Linux/UNIX",
/// "Windows", ...) in <paramref name="AvailabilityZone"/>.
/// </summary>
public sealed record FakeSpotPrice(string AvailabilityZone, string InstanceType, string ProductDescription, string Price, DateTimeOffset Timestamp);

/// <summary>An EBS volume. Defaults: an 8 GiB gp3 volume, "in-use" when attached and "available" otherwise.</summary>
public sealed record FakeVolume(string VolumeId)
{
    public int Size { get; init; } = 8;

    public string VolumeType { get; init; } = "gp3";

    public int? Iops { get; init; }

    public int? Throughput { get; init; }

    /// <summary>Null means "in-use" when <see cref="AttachedInstanceId"/> is set, else "available".</summary>
    public string? State { get; init; }

    /// <summary>Null means the region name + "a".</summary>
    public string? AvailabilityZone { get; init; }

    public string? AttachedInstanceId { get; init; }

    public DateTimeOffset CreateTime { get; init; } = new(2025, 1, 15, 8, 30, 0, TimeSpan.Zero);

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>An Elastic IP address.</summary>
public sealed record FakeAddress(string AllocationId, string PublicIp)
{
    public string? InstanceId { get; init; }

    public string? AssociationId { get; init; }

    public string Domain { get; init; } = "vpc";

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>An AWS account in the fake: its access keys, roles and regions.</summary>
public sealed partial class FakeAwsAccount
{
    private readonly Action<string, string, FakeAwsAccount> _registerKey;
    private readonly ConcurrentDictionary<string, FakeRegion> _regions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeRole> _roles = new(StringComparer.Ordinal);

    internal FakeAwsAccount(string accountId, Action<string, string, FakeAwsAccount> registerKey)
    {
        AccountId = accountId;
        _registerKey = registerKey;
    }

    public string AccountId { get; }

    /// <summary>Adds a long-term access key (identity "arn:aws:iam::ACCOUNT:user/fake").</summary>
    public FakeAwsAccount AddAccessKey(string accessKeyId, string secret)
    {
        if (string.IsNullOrWhiteSpace(accessKeyId) || accessKeyId.Any(c => c is '/' or ',' || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException($"'{accessKeyId}' cannot be an access key id.", nameof(accessKeyId));
        }

        ArgumentException.ThrowIfNullOrEmpty(secret);
        _registerKey(accessKeyId, secret, this);
        return this;
    }

    /// <summary>
    /// Adds a role any known identity may assume, with <paramref name="requiredExternalId"/> (null: none required).
    /// Returns its ARN, "arn:aws:iam::ACCOUNT:role/NAME".
    /// </summary>
    public string AddRole(string roleName, string? requiredExternalId)
    {
        if (!RoleNamePattern().IsMatch(roleName))
        {
            throw new ArgumentException($"'{roleName}' is not a valid IAM role name.", nameof(roleName));
        }

        if (!_roles.TryAdd(roleName, new FakeRole(roleName, requiredExternalId)))
        {
            throw new InvalidOperationException($"Role {roleName} already exists in {AccountId}.");
        }

        return RoleArn(roleName);
    }

    /// <summary>
    /// Gets or creates a region. <paramref name="enabled"/> applies when the region is created; change it later
    /// with <see cref="FakeRegion.Enabled"/>. A region never created here counts as enabled and empty.
    /// </summary>
    public FakeRegion Region(string name, bool enabled = true) =>
        _regions.GetOrAdd(name, n => new FakeRegion(n, enabled));

    internal string RoleArn(string roleName) => $"arn:aws:iam::{AccountId}:role/{roleName}";

    internal FakeRegion? FindRegion(string name) => _regions.GetValueOrDefault(name);

    internal IReadOnlyList<FakeRegion> Regions =>
        [.. _regions.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];

    internal FakeRole? FindRole(string roleName) => _roles.GetValueOrDefault(roleName);

    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")]
    private static partial Regex RoleNamePattern();
}

internal sealed record FakeRole(string Name, string? RequiredExternalId);

/// <summary>One region of one account. Thread-safe: tests may add resources while the fake serves requests.</summary>
public sealed class FakeRegion
{
    private static readonly HashSet<string> InstanceStates =
        ["pending", "running", "shutting-down", "terminated", "stopping", "stopped"];

    private readonly Lock _gate = new();
    private readonly Resources<FakeInstance> _instances = new(i => i.InstanceId);
    private readonly Resources<FakeVolume> _volumes = new(v => v.VolumeId);
    private readonly Resources<FakeAddress> _addresses = new(a => a.AllocationId);
    private readonly List<FakeSpotPrice> _spotPrices = [];
    private volatile bool _enabled;

    internal FakeRegion(string name, bool enabled)
    {
        Name = name;
        _enabled = enabled;
    }

    public string Name { get; }

    /// <summary>A disabled (not opted-in) region answers EC2 calls with 401 AuthFailure, like AWS.</summary>
    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    public FakeRegion AddInstances(IEnumerable<FakeInstance> instances)
    {
        foreach (var instance in instances)
        {
            if (!InstanceStates.Contains(instance.State))
            {
                throw new ArgumentException($"Instance {instance.InstanceId}: unknown state '{instance.State}'.", nameof(instances));
            }

            Add(_instances, instance);
        }

        return this;
    }

    public FakeRegion AddVolumes(IEnumerable<FakeVolume> volumes)
    {
        foreach (var volume in volumes)
        {
            Add(_volumes, volume);
        }

        return this;
    }

    public FakeRegion AddAddresses(IEnumerable<FakeAddress> addresses)
    {
        foreach (var address in addresses)
        {
            Add(_addresses, address);
        }

        return this;
    }

    /// <summary>Adds to the region's spot price history (any order; DescribeSpotPriceHistory sorts it).</summary>
    public FakeRegion AddSpotPrices(IEnumerable<FakeSpotPrice> prices)
    {
        lock (_gate)
        {
            _spotPrices.AddRange(prices);
        }

        return this;
    }

    public bool RemoveInstance(string instanceId) => Remove(_instances, instanceId);

    public bool RemoveVolume(string volumeId) => Remove(_volumes, volumeId);

    public bool RemoveAddress(string allocationId) => Remove(_addresses, allocationId);

    internal FakeInstance[] Instances()
    {
        lock (_gate)
        {
            return [.. _instances.Items];
        }
    }

    internal FakeVolume[] Volumes()
    {
        lock (_gate)
        {
            return [.. _volumes.Items];
        }
    }

    internal FakeAddress[] Addresses()
    {
        lock (_gate)
        {
            return [.. _addresses.Items];
        }
    }

    internal FakeSpotPrice[] SpotPrices()
    {
        lock (_gate)
        {
            return [.. _spotPrices];
        }
    }

    private void Add<T>(Resources<T> resources, T item)
    {
        lock (_gate)
        {
            if (!resources.Ids.Add(resources.Id(item)))
            {
                throw new InvalidOperationException($"{resources.Id(item)} already exists in {Name}.");
            }

            resources.Items.Add(item);
        }
    }

    private bool Remove<T>(Resources<T> resources, string id)
    {
        lock (_gate)
        {
            return resources.Ids.Remove(id) && resources.Items.RemoveAll(item => resources.Id(item) == id) > 0;
        }
    }

    /// <summary>Resources in insertion order (the order EC2 pages through), with their ids for duplicate checks.</summary>
    private sealed class Resources<T>(Func<T, string> id)
    {
        public Func<T, string> Id { get; } = id;

        public List<T> Items { get; } = [];

        public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);
    }
}
