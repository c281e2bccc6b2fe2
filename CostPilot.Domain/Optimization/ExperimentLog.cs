namespace CostPilot.Domain.Optimization;

public enum ExperimentStatus
{
    Planned,
    Running,
    Succeeded,
    Failed,
    RolledBack,
}

/// <summary>One optimization applied (or attempted) on one instance: the history behind every saving.</summary>
public sealed class ExperimentLog
{
    private ExperimentLog() { } // EF

    public ExperimentLog(Guid accountId, string instanceId, string action, string requestedBy, DateTimeOffset createdAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        Id = Guid.CreateVersion7(createdAt);
        AccountId = accountId;
        InstanceId = instanceId;
        Action = action;
        RequestedBy = requestedBy;
        CreatedAt = createdAt;
        Status = ExperimentStatus.Planned;
    }

    public Guid Id { get; private set; }
    public Guid AccountId { get; private set; }
    public string InstanceId { get; private set; } = "";

    /// <summary>What was done, e.g. "resize", "stop", "schedule".</summary>
    public string Action { get; private set; } = "";
    public string? FromInstanceType { get; set; }
    public string? ToInstanceType { get; set; }
    public decimal? MonthlyCostBefore { get; set; }
    public decimal? MonthlyCostAfter { get; set; }
    public ExperimentStatus Status { get; private set; }
    public string? Message { get; private set; }
    public string RequestedBy { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }

    public void Start(DateTimeOffset at)
    {
        if (Status is not ExperimentStatus.Planned)
        {
            throw new InvalidStateTransitionException(Status, ExperimentStatus.Running);
        }
        Status = ExperimentStatus.Running;
        StartedAt = at;
    }

    public void Finish(ExperimentStatus outcome, DateTimeOffset at, string? message = null)
    {
        if (Status is not ExperimentStatus.Running || outcome is ExperimentStatus.Planned or ExperimentStatus.Running)
        {
            throw new InvalidStateTransitionException(Status, outcome);
        }
        Status = outcome;
        CompletedAt = at;
        Message = message;
    }
}
