using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Pricing;

namespace CostPilot.Infrastructure.Sandbox;

/// <summary>
/// A sample-account instance that an experiment has acted on: its simulated EC2 state, stored so that every app node, a
/// restarted job and the next sample discovery see the same instance (the generated fleet is the same every time; these rows
/// are what changed since). One row per touched instance.
/// </summary>
/// <remarks>
/// Nothing runs in the background: a transition (stopping → stopped, pending → running) ends at <see cref="NextStateAt"/>, and
/// whoever reads the row brings it up to the clock with <see cref="Settle"/> first. The transitions throw when the instance is
/// not in the state they start from; <see cref="SandboxInstanceActions"/> decides what EC2 would answer before calling them.
/// </remarks>
public sealed class SandboxInstance
{
    private SandboxInstance() { } // EF

    public SandboxInstance(Guid accountId, string region, string instanceId, string instanceType, string state, DateTimeOffset at)
    {
        AccountId = accountId;
        Region = region;
        InstanceId = instanceId;
        InstanceType = instanceType;
        State = state;
        StateSince = at;
        UpdatedAt = at;
    }

    public Guid AccountId { get; private set; }
    public string Region { get; private set; } = "";
    public string InstanceId { get; private set; } = "";
    public string InstanceType { get; private set; } = "";

    /// <summary>pending, running, stopping or stopped, as of <see cref="StateSince"/>.</summary>
    public string State { get; private set; } = "";
    public DateTimeOffset StateSince { get; private set; }

    /// <summary>The state a transition ends in (stopping → stopped, pending → running) and when; null when settled.</summary>
    public string? NextState { get; private set; }
    public DateTimeOffset? NextStateAt { get; private set; }

    /// <summary>When the status checks of a started instance finish, and whether they fail.</summary>
    public DateTimeOffset? ChecksAt { get; private set; }
    public bool ChecksImpaired { get; private set; }

    /// <summary>The <c>costpilot:original-type</c> tag, once set.</summary>
    public string? OriginalTypeTag { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>
    /// Ends a transition whose time has passed by <paramref name="now"/>: the instance is in its next state since then. Call it on a
    /// row about to change, or on an untracked copy to read it as of now.
    /// </summary>
    public void Settle(DateTimeOffset now)
    {
        if (NextState is { } next && NextStateAt is { } at && at <= now)
        {
            State = next;
            StateSince = at;
            NextState = null;
            NextStateAt = null;
        }
    }

    /// <summary>running → stopping at <paramref name="now"/>, stopped at <paramref name="stoppedAt"/>; the status checks are over.</summary>
    public void BeginStop(DateTimeOffset now, DateTimeOffset stoppedAt)
    {
        Require(InstanceState.Running, "stop");
        Move(InstanceState.Stopping, now, InstanceState.Stopped, stoppedAt);
        ChecksAt = null;
        ChecksImpaired = false;
    }

    /// <summary>stopped → pending at <paramref name="now"/>, running at <paramref name="runningAt"/>, checks done at <paramref name="checksAt"/>.</summary>
    public void BeginStart(DateTimeOffset now, DateTimeOffset runningAt, DateTimeOffset checksAt, bool checksImpaired)
    {
        Require(InstanceState.Stopped, "start");
        if (runningAt < now || checksAt < runningAt)
        {
            throw new ArgumentException($"A start runs at {runningAt:O} and finishes its checks at {checksAt:O}: both after {now:O}, in that order.");
        }
        Move(InstanceState.Pending, now, InstanceState.Running, runningAt);
        ChecksAt = checksAt;
        ChecksImpaired = checksImpaired;
    }

    /// <summary>A stopped instance becomes <paramref name="instanceType"/>.</summary>
    public void ChangeType(string instanceType, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceType);
        Require(InstanceState.Stopped, "change the type of");
        InstanceType = instanceType;
        UpdatedAt = now;
    }

    /// <summary>Sets the <c>costpilot:original-type</c> tag (overwriting it, as EC2's CreateTags does), in any state.</summary>
    public void TagOriginalType(string originalType, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(originalType);
        OriginalTypeTag = originalType;
        UpdatedAt = now;
    }

    /// <summary>The status checks as of <paramref name="now"/> (of a settled row).</summary>
    public StatusChecks ChecksAsOf(DateTimeOffset now) =>
        State != InstanceState.Running.Value ? StatusChecks.NotApplicable
        : ChecksAt is { } done && done > now ? StatusChecks.Initializing
        : ChecksImpaired ? StatusChecks.Impaired
        : StatusChecks.Ok;

    /// <summary>The instance as EC2 would describe it at <paramref name="now"/>.</summary>
    public ObservedInstance Observe(DateTimeOffset now)
    {
        Settle(now);
        return new ObservedInstance(InstanceId, new InstanceState(State), InstanceType, ChecksAsOf(now), OriginalTypeTag);
    }

    /// <summary>
    /// The generated fleet's <paramref name="generated"/> as this row has changed it, at <paramref name="now"/>: its type (and that
    /// type's architecture), its state and, unless running, when it entered it, and the original-type tag among its tags.
    /// </summary>
    public DiscoveredInstance ApplyTo(DiscoveredInstance generated, DateTimeOffset now, IInstanceTypeCatalog types)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(types);
        Settle(now);
        var tags = new Dictionary<string, string>(generated.Tags, StringComparer.Ordinal);
        if (OriginalTypeTag is { } original)
        {
            tags[InstanceActions.OriginalTypeTag] = original;
        }
        var architecture = types.Find(InstanceType)?.Architecture switch
        {
            CpuArchitecture.X64 => "x86_64",
            CpuArchitecture.Arm64 => "arm64",
            _ => generated.Architecture,
        };
        return generated with
        {
            InstanceType = InstanceType,
            State = State,
            StateChangedAt = State == InstanceState.Running.Value ? null : StateSince,
            Architecture = architecture,
            Tags = tags,
        };
    }

    private void Require(InstanceState from, string action)
    {
        if (State != from.Value)
        {
            throw new InvalidOperationException($"Cannot {action} sample instance {InstanceId}: it is {State}, not {from}.");
        }
    }

    private void Move(InstanceState state, DateTimeOffset now, InstanceState next, DateTimeOffset nextAt)
    {
        State = state.Value;
        StateSince = now;
        NextState = next.Value;
        NextStateAt = nextAt;
        UpdatedAt = now;
    }
}
