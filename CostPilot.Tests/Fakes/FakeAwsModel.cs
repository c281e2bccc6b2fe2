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

    /// <summary>Every Query-protocol parameter as the client sent it (Action, Version, InstanceId.1, DryRun, ...).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
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
    private readonly Action<string, string, FakeAwsAccount, bool> _registerKey;
    private readonly FakeEc2Settings _ec2;
    private readonly ConcurrentDictionary<string, FakeRegion> _regions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeRole> _roles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _denied = new(StringComparer.Ordinal);

    internal FakeAwsAccount(string accountId, Action<string, string, FakeAwsAccount, bool> registerKey, FakeEc2Settings ec2)
    {
        AccountId = accountId;
        _registerKey = registerKey;
        _ec2 = ec2;
    }

    public string AccountId { get; }

    /// <summary>Adds a long-term access key of an IAM user (identity "arn:aws:iam::ACCOUNT:user/fake").</summary>
    public FakeAwsAccount AddAccessKey(string accessKeyId, string secret) => AddKey(accessKeyId, secret, root: false);

    /// <summary>Adds a long-term access key of the account's root user (identity "arn:aws:iam::ACCOUNT:root").</summary>
    public FakeAwsAccount AddRootAccessKey(string accessKeyId, string secret) => AddKey(accessKeyId, secret, root: true);

    /// <summary>
    /// Adds a role any known identity may assume only with External ID <paramref name="requiredExternalId"/>: its trust
    /// policy has the condition <c>"StringEquals": { "sts:ExternalId": requiredExternalId }</c>, as CostPilot's CloudFormation
    /// template writes it. Returns its ARN, "arn:aws:iam::ACCOUNT:role/NAME".
    /// </summary>
    public string AddRole(string roleName, string requiredExternalId)
    {
        ArgumentException.ThrowIfNullOrEmpty(requiredExternalId);
        return AddRole(new FakeRole(roleName, requiredExternalId));
    }

    /// <summary>
    /// Adds a role whose trust policy trusts any known identity with no <c>sts:ExternalId</c> condition, as a hand-made role
    /// might: AssumeRole succeeds with any External ID, or none. Returns its ARN.
    /// </summary>
    public string AddRoleWithoutExternalIdCondition(string roleName) => AddRole(new FakeRole(roleName, RequiredExternalId: null));

    private string AddRole(FakeRole role)
    {
        if (!RoleNamePattern().IsMatch(role.Name))
        {
            throw new ArgumentException($"'{role.Name}' is not a valid IAM role name.", nameof(role));
        }

        if (!_roles.TryAdd(role.Name, role))
        {
            throw new InvalidOperationException($"Role {role.Name} already exists in {AccountId}.");
        }

        return RoleArn(role.Name);
    }

    private FakeAwsAccount AddKey(string accessKeyId, string secret, bool root)
    {
        if (string.IsNullOrWhiteSpace(accessKeyId) || accessKeyId.Any(c => c is '/' or ',' || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException($"'{accessKeyId}' cannot be an access key id.", nameof(accessKeyId));
        }

        ArgumentException.ThrowIfNullOrEmpty(secret);
        _registerKey(accessKeyId, secret, this, root);
        return this;
    }

    /// <summary>
    /// Gets or creates a region. <paramref name="enabled"/> applies when the region is created; change it later
    /// with <see cref="FakeRegion.Enabled"/>. A region never created here counts as enabled and empty.
    /// </summary>
    public FakeRegion Region(string name, bool enabled = true) =>
        _regions.GetOrAdd(name, n => new FakeRegion(n, enabled, _ec2));

    /// <summary>
    /// Denies EC2 actions ("ec2:StopInstances", "ec2:ModifyInstanceAttribute", ...) to every identity of this account (its
    /// access keys and the sessions of its roles), like an IAM policy that does not grant them: each call answers 403
    /// UnauthorizedOperation, and with DryRun=true too (instead of 412 DryRunOperation). Every action is allowed until denied.
    /// </summary>
    public FakeAwsAccount Deny(params string[] actions)
    {
        foreach (var action in actions)
        {
            _denied[Ec2Action(action)] = true;
        }

        return this;
    }

    /// <summary>Allows again actions denied with <see cref="Deny"/>.</summary>
    public FakeAwsAccount Allow(params string[] actions)
    {
        foreach (var action in actions)
        {
            _denied.TryRemove(Ec2Action(action), out _);
        }

        return this;
    }

    /// <summary>True when <see cref="Deny"/> took EC2's <paramref name="action"/> ("StopInstances") from this account.</summary>
    internal bool Denies(string action) => _denied.ContainsKey(action);

    private static string Ec2Action(string action) =>
        Ec2ActionPattern().Match(action) is { Success: true } match
            ? match.Groups[1].Value
            : throw new ArgumentException($"'{action}' is not an EC2 action like \"ec2:StopInstances\".", nameof(action));

    internal string RoleArn(string roleName) => $"arn:aws:iam::{AccountId}:role/{roleName}";

    internal FakeRegion? FindRegion(string name) => _regions.GetValueOrDefault(name);

    internal IReadOnlyList<FakeRegion> Regions =>
        [.. _regions.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];

    internal FakeRole? FindRole(string roleName) => _roles.GetValueOrDefault(roleName);

    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")]
    private static partial Regex RoleNamePattern();

    [GeneratedRegex("^ec2:([A-Z][A-Za-z0-9]+)$")]
    private static partial Regex Ec2ActionPattern();
}

/// <summary>A role and its trust policy: the External ID its condition requires, or null when it has no such condition.</summary>
internal sealed record FakeRole(string Name, string? RequiredExternalId)
{
    /// <summary>Whether the trust policy lets a trusted identity assume the role with <paramref name="externalId"/> (null: none sent).</summary>
    public bool Accepts(string? externalId) => RequiredExternalId is null || RequiredExternalId == externalId;
}

/// <summary>One region of one account. Thread-safe: tests may add resources while the fake serves requests.</summary>
public sealed class FakeRegion
{
    private static readonly HashSet<string> InstanceStates =
        ["pending", "running", "shutting-down", "terminated", "stopping", "stopped"];

    private readonly Lock _gate = new();
    private readonly FakeEc2Settings _ec2;
    private readonly Resources<FakeInstance> _instances = new(i => i.InstanceId);
    private readonly Resources<FakeVolume> _volumes = new(v => v.VolumeId);
    private readonly Resources<FakeAddress> _addresses = new(a => a.AllocationId);
    private readonly List<FakeSpotPrice> _spotPrices = [];
    private readonly Dictionary<string, int> _failingStarts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _typesWithoutCapacity = new(StringComparer.Ordinal);
    private volatile bool _enabled;

    internal FakeRegion(string name, bool enabled, FakeEc2Settings ec2)
    {
        Name = name;
        _enabled = enabled;
        _ec2 = ec2;
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

            instance.Attach(_ec2);
            Add(_instances, instance);
        }

        return this;
    }

    /// <summary>An instance added earlier (the same object: read its state, history and tags, or set its faults).</summary>
    public FakeInstance Instance(string instanceId) =>
        FindInstance(instanceId) ?? throw new KeyNotFoundException($"No instance {instanceId} in {Name}.");

    /// <summary>
    /// The next <paramref name="times"/> StartInstances requests that would start <paramref name="instanceId"/> answer 500
    /// InsufficientInstanceCapacity and leave it stopped. EC2 sends that error as a server error, so the SDK retries it
    /// (3 attempts in all by default): each attempt counts.
    /// </summary>
    public FakeRegion FailNextStart(string instanceId, int times = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_gate)
        {
            _failingStarts[instanceId] = _failingStarts.GetValueOrDefault(instanceId) + times;
        }

        return this;
    }

    /// <summary>
    /// Until <see cref="RestoreCapacity"/>, every StartInstances that would start an instance of <paramref name="instanceType"/>
    /// answers 500 InsufficientInstanceCapacity and leaves it stopped.
    /// </summary>
    public FakeRegion RemoveCapacity(string instanceType)
    {
        lock (_gate)
        {
            _typesWithoutCapacity.Add(instanceType);
        }

        return this;
    }

    public FakeRegion RestoreCapacity(string instanceType)
    {
        lock (_gate)
        {
            _typesWithoutCapacity.Remove(instanceType);
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

    /// <summary>Held by every mutating EC2 request in the region, so that each one checks and changes its instances as a whole.</summary>
    internal Lock ActionGate { get; } = new();

    internal FakeInstance? FindInstance(string instanceId)
    {
        lock (_gate)
        {
            return _instances.Items.Find(i => i.InstanceId == instanceId);
        }
    }

    /// <summary>True (and one <see cref="FailNextStart"/> used up) when starting this instance now must fail for want of capacity.</summary>
    internal bool TakeCapacityFault(FakeInstance instance, string instanceType)
    {
        lock (_gate)
        {
            if (_typesWithoutCapacity.Contains(instanceType))
            {
                return true;
            }

            if (!_failingStarts.TryGetValue(instance.InstanceId, out var left))
            {
                return false;
            }

            if (left <= 1)
            {
                _failingStarts.Remove(instance.InstanceId);
            }
            else
            {
                _failingStarts[instance.InstanceId] = left - 1;
            }

            return true;
        }
    }

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
