using CostPilot.Domain.Inventory;

namespace CostPilot.Domain.Optimization;

/// <summary>EC2's two status checks taken together, as DescribeInstanceStatus reports them.</summary>
public enum StatusChecks
{
    /// <summary>The instance is not running: nothing to check.</summary>
    NotApplicable,

    /// <summary>Running, checks still under way.</summary>
    Initializing,

    /// <summary>Both system and instance checks passed.</summary>
    Ok,

    /// <summary>Either check failed.</summary>
    Impaired,
}

/// <summary>An instance as EC2 says it is now: its state, type, status checks and the tag recording its type before CostPilot changed it.</summary>
public sealed record ObservedInstance(string InstanceId, InstanceState State, string InstanceType, StatusChecks Checks, string? OriginalTypeTag);

/// <summary>An EC2 action an experiment needs; <see cref="InstanceActions.IamName"/> names its permission.</summary>
public enum InstanceAction
{
    Stop,
    Start,
    ModifyInstanceType,
    Tag,
}

public static class InstanceActions
{
    /// <summary>The tag recording an instance's type before CostPilot changed it.</summary>
    public const string OriginalTypeTag = "costpilot:original-type";

    /// <summary>ec2:StopInstances, ec2:StartInstances, ec2:ModifyInstanceAttribute, ec2:CreateTags.</summary>
    public static string IamName(this InstanceAction action) => action switch
    {
        InstanceAction.Stop => "ec2:StopInstances",
        InstanceAction.Start => "ec2:StartInstances",
        InstanceAction.ModifyInstanceType => "ec2:ModifyInstanceAttribute",
        InstanceAction.Tag => "ec2:CreateTags",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}

/// <summary>Why an EC2 action failed, as far as an experiment cares.</summary>
public enum ActionFailure
{
    /// <summary>The role or keys do not allow it (UnauthorizedOperation, AccessDenied).</summary>
    Denied,

    /// <summary>AWS has no capacity for the type in the zone right now (InsufficientInstanceCapacity).</summary>
    InsufficientCapacity,

    /// <summary>The instance is not in a state that allows the action (IncorrectInstanceState): look again and decide.</summary>
    IncorrectState,

    /// <summary>The instance does not exist (any more).</summary>
    NotFound,

    /// <summary>AWS refused the request itself (an unsupported type for this instance, a bad parameter).</summary>
    Rejected,

    /// <summary>The credentials are not valid (any more).</summary>
    InvalidCredentials,

    /// <summary>Throttled, unreachable, an internal error or no answer in time: it may pass.</summary>
    Unavailable,
}

/// <summary>An EC2 action that failed, with a message a user can act on (it names the action and never holds a secret).</summary>
public sealed class InstanceActionException(ActionFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public ActionFailure Failure { get; } = failure;

    /// <summary>Worth asking again after a moment (the instance's state moved, or AWS was busy).</summary>
    public bool IsTransient => Failure is ActionFailure.Unavailable or ActionFailure.IncorrectState;
}

/// <summary>
/// The EC2 actions of one account in one region that an experiment takes. Implementations: AWS (with the account's credentials;
/// a dry run is the real call with DryRun=true) and the sample account's simulation. Every failure is an <see cref="InstanceActionException"/>.
/// </summary>
public interface IInstanceActions
{
    /// <summary>The instance as EC2 sees it now; null when it does not exist (or is terminated and gone).</summary>
    Task<ObservedInstance?> DescribeAsync(string instanceId, CancellationToken ct);

    /// <summary>Asks, changing nothing, whether the action would be allowed; throws <see cref="ActionFailure.Denied"/> when not.</summary>
    Task DryRunAsync(InstanceAction action, string instanceId, string? instanceType, CancellationToken ct);

    Task StopAsync(string instanceId, CancellationToken ct);

    Task StartAsync(string instanceId, CancellationToken ct);

    Task ModifyInstanceTypeAsync(string instanceId, string instanceType, CancellationToken ct);

    /// <summary>Records <paramref name="originalType"/> in the <see cref="InstanceActions.OriginalTypeTag"/> tag.</summary>
    Task TagOriginalTypeAsync(string instanceId, string originalType, CancellationToken ct);
}
