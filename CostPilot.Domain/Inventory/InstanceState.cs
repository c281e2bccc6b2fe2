namespace CostPilot.Domain.Inventory;

/// <summary>
/// An EC2 instance state as AWS names it ("running", "stopped", ...). Kept as AWS's text so a state AWS adds later is stored as
/// it is, but code compares against the named values, never against string literals.
/// </summary>
public readonly record struct InstanceState
{
    public static readonly InstanceState Pending = new("pending");
    public static readonly InstanceState Running = new("running");
    public static readonly InstanceState ShuttingDown = new("shutting-down");
    public static readonly InstanceState Terminated = new("terminated");
    public static readonly InstanceState Stopping = new("stopping");
    public static readonly InstanceState Stopped = new("stopped");

    /// <summary>The states EC2 documents, in lifecycle order.</summary>
    public static readonly IReadOnlyList<InstanceState> All = [Running, Stopped, Pending, Stopping, ShuttingDown, Terminated];

    public InstanceState(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Value = value;
    }

    public string Value => field ?? "";

    /// <summary>Only a running instance is billed for compute.</summary>
    public bool IsRunning => this == Running;

    public override string ToString() => Value;
}
