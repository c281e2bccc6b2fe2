using System.Globalization;
using System.Runtime.CompilerServices;

namespace CostPilot.Tests.Fakes;

/// <summary>One change of an instance's state (or of its status checks), at the simulated time it happened.</summary>
public sealed record FakeStateChange(DateTimeOffset Time, string From, string To);

/// <summary>EC2's two status checks (DescribeInstanceStatus: systemStatus and instanceStatus).</summary>
[Flags]
public enum FakeStatusCheck
{
    None = 0,
    System = 1,
    Instance = 2,
}

/// <summary>
/// An EC2 instance. Defaults: a running linux x86_64 t3.micro in the region's "a" zone. Describe it with the init properties;
/// once added to a region, only EC2 actions change it (StopInstances, StartInstances, ModifyInstanceAttribute, CreateTags,
/// DeleteTags), and its transitional states end by the server's <see cref="FakeAwsServer.Clock"/>: stopping becomes stopped
/// <see cref="FakeAwsServer.StopDelay"/> after the stop, pending becomes running <see cref="FakeAwsServer.StartDelay"/> after
/// the start, and the status checks go from initializing to ok (or impaired, <see cref="ImpairedChecks"/>)
/// <see cref="FakeAwsServer.StatusCheckDelay"/> after that. Nothing runs in the background: every read works out what the
/// clock says has happened since, so a test that advances a <c>FakeTimeProvider</c> sees each change at its exact time in
/// <see cref="History"/>. An instance added in a transitional state (pending, stopping) stays there until an action moves it.
/// A <c>with</c> copy describes a new instance as this one is now (no history, in no region yet). Equality is identity.
/// Thread-safe.
/// </summary>
public sealed record FakeInstance(string InstanceId)
{
    private const string Running = "running";
    private const string Stopped = "stopped";

    private readonly Lock _gate = new();
    private readonly List<FakeStateChange> _history = [];
    private readonly List<FakeStateChange> _statusHistory = [];
    private readonly string? _platformDetails;
    private readonly bool _platformDetailsSet;
    private string _instanceType = "t3.micro";
    private string _state = Running;
    private string? _stateTransitionReason;
    private IReadOnlyDictionary<string, string> _tags = new Dictionary<string, string>();
    private bool _userStopped;
    private FakeEc2Settings? _settings;

    // The end of the current transitional state (stopping or pending): when, and into what. DateTimeOffset.MaxValue: never.
    private (DateTimeOffset At, string To)? _transition;
    private TimeSpan _checksDelayAfterStart;

    // Status checks: null until the first action, meaning "as the initial state implies" (ok when running).
    private CheckPhase? _checks;
    private DateTimeOffset? _checksDue;
    private DateTimeOffset? _checksSince;
    private FakeStatusCheck _impaired;
    private DateTimeOffset? _impairedSince;
    private bool _stopHangs;

    private enum CheckPhase
    {
        NotApplicable,
        Initializing,
        Done,
    }

    // A record's copy constructor runs no field initializers: every field is set here.
    private FakeInstance(FakeInstance original)
    {
        _gate = new Lock();
        _history = [];
        _statusHistory = [];
        InstanceId = original.InstanceId;
        lock (original._gate)
        {
            original.SettleNow();
            _instanceType = original._instanceType;
            _state = original._state;
            _stateTransitionReason = original._stateTransitionReason;
            _tags = original._tags;
            _impaired = original._impaired;
            _stopHangs = original._stopHangs;
        }

        _platformDetails = original._platformDetails;
        _platformDetailsSet = original._platformDetailsSet;
        AvailabilityZone = original.AvailabilityZone;
        Platform = original.Platform;
        Tenancy = original.Tenancy;
        Architecture = original.Architecture;
        LaunchTime = original.LaunchTime;
        Lifecycle = original.Lifecycle;
    }

    /// <summary>The type; ModifyInstanceAttribute changes it.</summary>
    public string InstanceType
    {
        get
        {
            lock (_gate)
            {
                return _instanceType;
            }
        }
        init => _instanceType = value;
    }

    /// <summary>pending, running, shutting-down, terminated, stopping or stopped, as of the server's clock now.</summary>
    public string State
    {
        get
        {
            lock (_gate)
            {
                SettleNow();
                return _state;
            }
        }
        init => _state = value;
    }

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

    /// <summary>
    /// EC2's stateTransitionReason ("User initiated (2026-10-01 09:30:12 GMT)"); null sends an empty one, as EC2 does for
    /// running instances. StopInstances sets it to the stop's time on the server's clock, StartInstances clears it.
    /// </summary>
    public string? StateTransitionReason
    {
        get
        {
            lock (_gate)
            {
                SettleNow();
                return _stateTransitionReason;
            }
        }
        init => _stateTransitionReason = value;
    }

    /// <summary>The tags; CreateTags and DeleteTags replace this dictionary with a new one (the one given is never changed).</summary>
    public IReadOnlyDictionary<string, string> Tags
    {
        get
        {
            lock (_gate)
            {
                return _tags;
            }
        }
        init => _tags = value;
    }

    /// <summary>Every state change made by an action or by time, oldest first (a snapshot).</summary>
    public IReadOnlyList<FakeStateChange> History
    {
        get
        {
            lock (_gate)
            {
                SettleNow();
                return [.. _history];
            }
        }
    }

    /// <summary>
    /// Every change of the status checks taken together (not-applicable, initializing, ok, impaired: impaired when either check
    /// is, ok when both are), oldest first (a snapshot). A start adds "not-applicable → initializing" when the instance reaches
    /// running and "initializing → ok" when the checks pass; a stop adds "→ not-applicable".
    /// </summary>
    public IReadOnlyList<FakeStateChange> StatusHistory
    {
        get
        {
            lock (_gate)
            {
                SettleNow();
                return [.. _statusHistory];
            }
        }
    }

    /// <summary>DescribeInstanceStatus's systemStatus/status now: not-applicable, initializing, ok or impaired.</summary>
    public string SystemStatus
    {
        get
        {
            lock (_gate)
            {
                SettleNow();
                return CheckStatus(FakeStatusCheck.System);
            }
        }
    }

    /// <summary>DescribeInstanceStatus's instanceStatus/status now: not-applicable, initializing, ok or impaired.</summary>
    public string InstanceStatus
    {
        get
        {
            lock (_gate)
            {
                SettleNow();
                return CheckStatus(FakeStatusCheck.Instance);
            }
        }
    }

    /// <summary>
    /// The checks that fail (impaired, reachability failed) once they finish initializing after a start; set on a running
    /// instance whose checks are done, the change shows at once. Default: none, both checks pass.
    /// </summary>
    public FakeStatusCheck ImpairedChecks
    {
        get
        {
            lock (_gate)
            {
                return _impaired;
            }
        }
        set
        {
            lock (_gate)
            {
                SettleNow();
                var now = _settings?.Now;
                var before = Overall();
                _impaired = value;
                _impairedSince = now;
                if (now is { } at)
                {
                    RecordStatus(at, before);
                }
            }
        }
    }

    /// <summary>
    /// When true, StopInstances leaves the instance stopping (as EC2 does when the host is in trouble) until a StopInstances with
    /// Force=true, which stops it <see cref="FakeAwsServer.StopDelay"/> later.
    /// </summary>
    public bool StopHangs
    {
        get
        {
            lock (_gate)
            {
                return _stopHangs;
            }
        }
        set
        {
            lock (_gate)
            {
                _stopHangs = value;
            }
        }
    }

    public bool Equals(FakeInstance? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => RuntimeHelpers.GetHashCode(this);

    /// <summary>Binds the instance to the server it was added to (its clock and delays); an instance belongs to one server.</summary>
    internal void Attach(FakeEc2Settings settings)
    {
        lock (_gate)
        {
            if (_settings is not null && !ReferenceEquals(_settings, settings))
            {
                throw new InvalidOperationException($"Instance {InstanceId} already belongs to another fake server.");
            }

            _settings = settings;
        }
    }

    /// <summary>Everything DescribeInstances and DescribeInstanceStatus report, as of <paramref name="now"/>.</summary>
    internal FakeInstanceView View(DateTimeOffset now)
    {
        lock (_gate)
        {
            Settle(now);
            return new FakeInstanceView(this, _instanceType, _state, _stateTransitionReason, _userStopped && _state is "stopping" or Stopped,
                _tags, Check(FakeStatusCheck.System), Check(FakeStatusCheck.Instance));
        }
    }

    /// <summary>Why StopInstances cannot stop the instance at <paramref name="now"/>, or null when it can (or already has).</summary>
    internal string? CannotStop(DateTimeOffset now)
    {
        lock (_gate)
        {
            Settle(now);
            return _state switch
            {
                Running or "stopping" or Stopped => null,
                "pending" => $"Instance '{InstanceId}' cannot be stopped as it has never reached the 'running' state.",
                _ => $"The instance '{InstanceId}' is not in a state from which it can be stopped.",
            };
        }
    }

    /// <summary>Stops a running instance (idempotent on stopping and stopped ones); returns the states before and after.</summary>
    internal (string Previous, string Current) Stop(DateTimeOffset now, TimeSpan delay, bool force)
    {
        lock (_gate)
        {
            Settle(now);
            var previous = _state;
            if (_state == Running)
            {
                SetChecks(now, CheckPhase.NotApplicable); // first: until then the checks follow the state
                Change(now, "stopping");
                _stateTransitionReason = string.Create(CultureInfo.InvariantCulture, $"User initiated ({now.UtcDateTime:yyyy-MM-dd HH:mm:ss} GMT)");
                _userStopped = true;
                _transition = (_stopHangs && !force ? DateTimeOffset.MaxValue : now + delay, Stopped);
            }
            else if (_state == "stopping" && force && _transition is { At: var end } && end > now + delay)
            {
                _transition = (now + delay, Stopped);
            }

            return (previous, _state);
        }
    }

    /// <summary>Why StartInstances cannot start the instance at <paramref name="now"/>, or null when it can (or already has).</summary>
    internal string? CannotStart(DateTimeOffset now)
    {
        lock (_gate)
        {
            Settle(now);
            return _state is Stopped or "pending" or Running
                ? null
                : $"The instance '{InstanceId}' is not in a state from which it can be started.";
        }
    }

    /// <summary>True when a StartInstances at <paramref name="now"/> would move the instance (it is stopped).</summary>
    internal bool IsStopped(DateTimeOffset now)
    {
        lock (_gate)
        {
            Settle(now);
            return _state == Stopped;
        }
    }

    /// <summary>Starts a stopped instance (idempotent on pending and running ones); returns the states before and after.</summary>
    internal (string Previous, string Current) Start(DateTimeOffset now, TimeSpan delay, TimeSpan checksDelay)
    {
        lock (_gate)
        {
            Settle(now);
            var previous = _state;
            if (_state == Stopped)
            {
                Change(now, "pending");
                _stateTransitionReason = null;
                _userStopped = false;
                _transition = (now + delay, Running);
                _checksDelayAfterStart = checksDelay;
            }

            return (previous, _state);
        }
    }

    /// <summary>Changes the type of a stopped instance; false (and no change) when it is not stopped at <paramref name="now"/>.</summary>
    internal bool TryChangeType(DateTimeOffset now, string instanceType)
    {
        lock (_gate)
        {
            Settle(now);
            if (_state != Stopped)
            {
                return false;
            }

            _instanceType = instanceType;
            return true;
        }
    }

    /// <summary>How many tags the instance would have with <paramref name="keys"/> added.</summary>
    internal int TagCountWith(IEnumerable<string> keys)
    {
        lock (_gate)
        {
            return _tags.Keys.Union(keys, StringComparer.Ordinal).Count();
        }
    }

    /// <summary>Adds or overwrites tags.</summary>
    internal void SetTags(IReadOnlyList<(string Key, string Value)> tags)
    {
        lock (_gate)
        {
            var updated = new Dictionary<string, string>(_tags, StringComparer.Ordinal);
            foreach (var (key, value) in tags)
            {
                updated[key] = value;
            }

            _tags = updated;
        }
    }

    /// <summary>
    /// DeleteTags: each (key, null) deletes the key, each (key, value) deletes it only when its value is that; null deletes every
    /// tag whose key does not start with "aws:".
    /// </summary>
    internal void DeleteTags(IReadOnlyList<(string Key, string? Value)>? tags)
    {
        lock (_gate)
        {
            _tags = _tags
                .Where(tag => tags is null
                    ? tag.Key.StartsWith("aws:", StringComparison.Ordinal)
                    : !tags.Any(d => d.Key == tag.Key && (d.Value is null || d.Value == tag.Value)))
                .ToDictionary(StringComparer.Ordinal);
        }
    }

    private void SettleNow()
    {
        if (_settings is { } settings)
        {
            Settle(settings.Now);
        }
    }

    /// <summary>Applies what has happened by <paramref name="now"/>: the end of a transitional state, then the end of the checks.</summary>
    private void Settle(DateTimeOffset now)
    {
        if (_transition is { } transition && transition.At <= now)
        {
            _transition = null;
            Change(transition.At, transition.To);
            if (transition.To == Running)
            {
                SetChecks(transition.At, CheckPhase.Initializing);
                _checksDue = transition.At + _checksDelayAfterStart;
            }
        }

        if (_checksDue is { } due && due <= now)
        {
            _checksDue = null;
            SetChecks(due, CheckPhase.Done);
        }
    }

    private void Change(DateTimeOffset at, string to)
    {
        _history.Add(new FakeStateChange(at, _state, to));
        _state = to;
    }

    private void SetChecks(DateTimeOffset at, CheckPhase phase)
    {
        var before = Overall();
        _checks = phase;
        _checksSince = at;
        if (phase != CheckPhase.Initializing)
        {
            _checksDue = null;
        }

        RecordStatus(at, before);
    }

    private void RecordStatus(DateTimeOffset at, string before)
    {
        var after = Overall();
        if (after != before)
        {
            _statusHistory.Add(new FakeStateChange(at, before, after));
        }
    }

    private CheckPhase Phase => _checks ?? (_state == Running ? CheckPhase.Done : CheckPhase.NotApplicable);

    private string CheckStatus(FakeStatusCheck check) => Phase switch
    {
        CheckPhase.NotApplicable => "not-applicable",
        CheckPhase.Initializing => "initializing",
        _ => _impaired.HasFlag(check) ? "impaired" : "ok",
    };

    private string Overall()
    {
        var system = CheckStatus(FakeStatusCheck.System);
        var instance = CheckStatus(FakeStatusCheck.Instance);
        return system == "impaired" || instance == "impaired" ? "impaired" : instance;
    }

    private FakeCheckView Check(FakeStatusCheck check)
    {
        var status = CheckStatus(check);
        DateTimeOffset? impairedSince = null;
        if (status == "impaired")
        {
            var since = _checksSince ?? LaunchTime;
            impairedSince = _impairedSince is { } set && set > since ? set : since;
        }

        return new FakeCheckView(status, impairedSince);
    }
}

/// <summary>One status check as DescribeInstanceStatus reports it.</summary>
internal sealed record FakeCheckView(string Status, DateTimeOffset? ImpairedSince)
{
    /// <summary>The reachability detail: none when not applicable, else initializing, passed or failed.</summary>
    public string? Reachability => Status switch
    {
        "not-applicable" => null,
        "initializing" => "initializing",
        "ok" => "passed",
        _ => "failed",
    };
}

/// <summary>An instance as of one moment, for one answer.</summary>
internal sealed record FakeInstanceView(
    FakeInstance Instance,
    string InstanceType,
    string State,
    string? StateTransitionReason,
    bool UserInitiatedShutdown,
    IReadOnlyDictionary<string, string> Tags,
    FakeCheckView SystemStatus,
    FakeCheckView InstanceStatus);

/// <summary>
/// What a fake server's EC2 instances move by: the clock, the delays of their transitions, and the instance types
/// ModifyInstanceAttribute accepts. Shared by the server, its EC2 API and every instance added to it. Thread-safe.
/// </summary>
internal sealed class FakeEc2Settings(TimeProvider clock)
{
    // The common current-generation types (not every size of every family exists in EC2; close enough for a fake).
    private static readonly (string[] Families, string[] Sizes)[] DefaultTypes =
    [
        (["t2", "t3", "t3a", "t4g"], ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"]),
        (["m5", "m5a", "m6i", "m6a", "m7i", "m7a", "c5", "c5a", "c6i", "c6a", "c7i", "r5", "r5a", "r6i", "r6a", "r7i"],
            ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"]),
        (["m6g", "m7g", "c6g", "c7g", "r6g", "r7g"], ["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"]),
        (["c5"], ["9xlarge", "18xlarge"]),
    ];

    private readonly Lock _gate = new();
    private readonly HashSet<string> _instanceTypes = new(
        DefaultTypes.SelectMany(group => group.Families.SelectMany(family => group.Sizes.Select(size => $"{family}.{size}"))),
        StringComparer.Ordinal);

    private TimeSpan _stopDelay = TimeSpan.FromSeconds(2);
    private TimeSpan _startDelay = TimeSpan.FromSeconds(2);
    private TimeSpan _statusCheckDelay = TimeSpan.FromSeconds(3);

    public TimeProvider Clock { get; } = clock;

    public DateTimeOffset Now => Clock.GetUtcNow();

    public TimeSpan StopDelay
    {
        get { lock (_gate) { return _stopDelay; } }
        set { lock (_gate) { _stopDelay = NotNegative(value); } }
    }

    public TimeSpan StartDelay
    {
        get { lock (_gate) { return _startDelay; } }
        set { lock (_gate) { _startDelay = NotNegative(value); } }
    }

    public TimeSpan StatusCheckDelay
    {
        get { lock (_gate) { return _statusCheckDelay; } }
        set { lock (_gate) { _statusCheckDelay = NotNegative(value); } }
    }

    public void AddInstanceTypes(IEnumerable<string> instanceTypes)
    {
        lock (_gate)
        {
            _instanceTypes.UnionWith(instanceTypes);
        }
    }

    public bool IsInstanceType(string instanceType)
    {
        lock (_gate)
        {
            return _instanceTypes.Contains(instanceType);
        }
    }

    private static TimeSpan NotNegative(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return delay;
    }
}
