namespace CostPilot.Domain;

/// <summary>Thrown when an entity is asked to move to a state its current state does not allow.</summary>
public sealed class InvalidStateTransitionException(object from, object to)
    : InvalidOperationException($"Cannot move from '{from}' to '{to}'.")
{
    public object From { get; } = from;
    public object To { get; } = to;
}
