namespace CostPilot.Domain.Utilization;

public enum UtilizationStatus
{
    /// <summary>Never collected (a new account, or one whose discovery has not finished yet).</summary>
    NotCollected,

    /// <summary>A collection job is reading CloudWatch.</summary>
    Collecting,

    /// <summary>The job was cut off (shutdown, crash, lost database) and resumes by itself.</summary>
    Interrupted,

    /// <summary>Collected; <see cref="UtilizationRun.Message"/> may say which regions could not be read.</summary>
    Collected,

    /// <summary>Nothing could be read; <see cref="UtilizationRun.Message"/> says why (e.g. a missing permission).</summary>
    Failed,
}

/// <summary>
/// An account's utilization collection: the last run's state and what it said. One per account; each discovery starts a new
/// run. Every transition is checked, like <see cref="Accounts.Account"/>'s.
/// </summary>
public sealed class UtilizationRun
{
    public const int MaxMessageLength = 2000;

    private UtilizationRun() { } // EF

    public UtilizationRun(Guid accountId)
    {
        AccountId = accountId;
        Status = UtilizationStatus.NotCollected;
    }

    public Guid AccountId { get; private set; }
    public UtilizationStatus Status { get; private set; }
    public string? Message { get; private set; }

    /// <summary>When the run under way (or the last one) started.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>When the last run finished (collected or failed).</summary>
    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>When the last successful run finished: the age of the data recommendations use.</summary>
    public DateTimeOffset? CollectedAt { get; private set; }

    /// <summary>Running instances the last run asked for, and how many of them had enough data.</summary>
    public int InstancesAsked { get; private set; }
    public int InstancesWithData { get; private set; }

    public bool IsInProgress => Status is UtilizationStatus.Collecting or UtilizationStatus.Interrupted;

    /// <summary>Starts a run, or takes over one that was cut off (what it stored stays; this run redoes it).</summary>
    public void Start(DateTimeOffset at)
    {
        Status = UtilizationStatus.Collecting;
        Message = null;
        StartedAt = at;
    }

    public void Interrupt(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (Status is not UtilizationStatus.Collecting)
        {
            throw new InvalidStateTransitionException(Status, UtilizationStatus.Interrupted);
        }
        Status = UtilizationStatus.Interrupted;
        Message = Truncate(reason);
    }

    /// <param name="warning">Set when some regions could not be read; what was read is used.</param>
    public void Complete(DateTimeOffset at, int asked, int withData, string? warning = null)
    {
        if (Status is not UtilizationStatus.Collecting)
        {
            throw new InvalidStateTransitionException(Status, UtilizationStatus.Collected);
        }
        Status = UtilizationStatus.Collected;
        Message = Truncate(warning);
        FinishedAt = at;
        CollectedAt = at;
        InstancesAsked = asked;
        InstancesWithData = withData;
    }

    public void Fail(DateTimeOffset at, string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        if (Status is not UtilizationStatus.Collecting)
        {
            throw new InvalidStateTransitionException(Status, UtilizationStatus.Failed);
        }
        Status = UtilizationStatus.Failed;
        Message = Truncate(message);
        FinishedAt = at;
    }

    private static string? Truncate(string? message) =>
        message is { Length: > MaxMessageLength } ? message[..MaxMessageLength] : message;
}
