namespace CostPilot.Domain.Optimization;

/// <summary>A stretch of time an instance was unavailable because CostPilot acted on it, for SLA tracking.</summary>
public sealed class DowntimeLog
{
    private DowntimeLog() { } // EF

    public DowntimeLog(Guid accountId, string instanceId, Guid? experimentId, string reason, DateTimeOffset startedAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Id = Guid.CreateVersion7(startedAt);
        AccountId = accountId;
        InstanceId = instanceId;
        ExperimentId = experimentId;
        Reason = reason;
        StartedAt = startedAt;
    }

    public Guid Id { get; private set; }
    public Guid AccountId { get; private set; }
    public string InstanceId { get; private set; } = "";
    public Guid? ExperimentId { get; private set; }
    public string Reason { get; private set; } = "";
    public DateTimeOffset StartedAt { get; private set; }
    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Whole seconds down (rounded), set when it ends.</summary>
    public int? Seconds { get; private set; }

    /// <summary>The downtime the SLA allows for this action, if one applies.</summary>
    public TimeSpan? SlaBudget { get; set; }

    public TimeSpan? Duration => EndedAt - StartedAt;

    public bool? WithinSla => Duration is { } d && SlaBudget is { } b ? d <= b : null;

    public void End(DateTimeOffset at)
    {
        if (EndedAt is not null)
        {
            throw new InvalidStateTransitionException("ended", "ended");
        }
        if (at < StartedAt)
        {
            throw new ArgumentOutOfRangeException(nameof(at), "Downtime cannot end before it starts.");
        }
        EndedAt = at;
        Seconds = (int)Math.Round((at - StartedAt).TotalSeconds, MidpointRounding.AwayFromZero);
    }
}
