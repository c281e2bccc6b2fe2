namespace CostPilot.Infrastructure.Sandbox;

/// <summary>
/// A sample-account instance that an experiment has acted on: its simulated EC2 state, stored so that every app node, a
/// restarted job and the next sample discovery see the same instance (the generated fleet is the same every time; these rows
/// are what changed since). One row per touched instance.
/// </summary>
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
    public string InstanceType { get; set; } = "";

    /// <summary>pending, running, stopping or stopped, as of <see cref="StateSince"/>.</summary>
    public string State { get; set; } = "";
    public DateTimeOffset StateSince { get; set; }

    /// <summary>The state a transition ends in (stopping → stopped, pending → running) and when; null when settled.</summary>
    public string? NextState { get; set; }
    public DateTimeOffset? NextStateAt { get; set; }

    /// <summary>When the status checks of a started instance finish, and whether they fail.</summary>
    public DateTimeOffset? ChecksAt { get; set; }
    public bool ChecksImpaired { get; set; }

    /// <summary>The <c>costpilot:original-type</c> tag, once set.</summary>
    public string? OriginalTypeTag { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
