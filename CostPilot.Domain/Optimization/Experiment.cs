using CostPilot.Domain.Recommendations;

namespace CostPilot.Domain.Optimization;

/// <summary>
/// One recommendation applied (or attempted) on one instance, and the history behind every realized saving: who asked and when,
/// the types and monthly costs before and after, each step with its start and end, and how it ended. A state machine that
/// throws on every invalid transition (see <see cref="ExperimentState"/>); <see cref="ExperimentPlan"/> decides its next move
/// from what the instance actually is, so a retried job continues or rolls back from there.
/// </summary>
public sealed class Experiment
{
    public const int MessageLength = 2000;

    private List<ExperimentStep> _steps = [];

    private Experiment() { } // EF

    public Experiment(
        Guid accountId,
        string region,
        string instanceId,
        string? instanceName,
        RecommendationKind kind,
        string fromType,
        string? toType,
        decimal? monthlyCostBefore,
        decimal? monthlyCostAfter,
        TimeSpan expectedDowntime,
        string requestedBy,
        string requestedByName,
        DateTimeOffset createdAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(fromType);
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        var action = ExperimentStates.ActionFor(kind)
            ?? throw new ArgumentException($"CostPilot does not apply '{kind.Slug()}' recommendations.", nameof(kind));
        if (action == ExperimentAction.Resize && (string.IsNullOrWhiteSpace(toType) || toType == fromType))
        {
            throw new ArgumentException("A resize needs a new instance type different from the current one.", nameof(toType));
        }
        if (action == ExperimentAction.Stop && toType is not null)
        {
            throw new ArgumentException("A stop keeps the instance type.", nameof(toType));
        }
        Id = Guid.CreateVersion7(createdAt);
        AccountId = accountId;
        Region = region;
        InstanceId = instanceId;
        InstanceName = instanceName;
        Kind = kind;
        FromType = fromType;
        ToType = toType;
        MonthlyCostBefore = monthlyCostBefore;
        MonthlyCostAfter = monthlyCostAfter;
        ExpectedDowntime = expectedDowntime;
        RequestedBy = requestedBy;
        RequestedByName = string.IsNullOrWhiteSpace(requestedByName) ? requestedBy : requestedByName;
        CreatedAt = createdAt;
        State = ExperimentState.Planned;
    }

    public Guid Id { get; private set; }
    public Guid AccountId { get; private set; }
    public string Region { get; private set; } = "";
    public string InstanceId { get; private set; } = "";
    public string? InstanceName { get; private set; }
    public RecommendationKind Kind { get; private set; }
    public ExperimentAction Action => ExperimentStates.ActionFor(Kind) ?? ExperimentAction.Resize;

    /// <summary>The type before (recorded here and as the instance tag <c>costpilot:original-type</c>).</summary>
    public string FromType { get; private set; } = "";

    /// <summary>The new type of a resize; null for a stop.</summary>
    public string? ToType { get; private set; }

    public decimal? MonthlyCostBefore { get; private set; }
    public decimal? MonthlyCostAfter { get; private set; }

    /// <summary>The downtime the confirmation announced (the median of past experiments of the kind, or a default).</summary>
    public TimeSpan ExpectedDowntime { get; private set; }

    /// <summary>The user id of whoever applied it, and a name to show (their email).</summary>
    public string RequestedBy { get; private set; } = "";
    public string RequestedByName { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public ExperimentState State { get; private set; }

    /// <summary>Why it rolled back or failed, and in what state it left the instance; null while all goes well.</summary>
    public string? Message { get; private set; }

    /// <summary>How many times a job took it up (more than one: it was resumed after a crash or a retry).</summary>
    public int Attempts { get; private set; }

    public IReadOnlyList<ExperimentStep> Steps => _steps;

    public bool IsFinished => State.IsFinished();

    /// <summary>The monthly saving it made real: before − after, once succeeded with both prices known.</summary>
    public decimal? RealizedMonthlySaving =>
        State == ExperimentState.Succeeded && MonthlyCostBefore is { } before && MonthlyCostAfter is { } after ? before - after : null;

    /// <summary>The step under way (the last, while unfinished).</summary>
    public ExperimentStep? CurrentStep => _steps.Count > 0 && _steps[^1].EndedAt is null ? _steps[^1] : null;

    /// <summary>A job took it up (again).</summary>
    public void RecordAttempt() => Attempts++;

    /// <summary>planned → checking.</summary>
    public void Begin(DateTimeOffset at)
    {
        if (State is not ExperimentState.Planned)
        {
            throw new InvalidStateTransitionException(State, ExperimentState.Checking);
        }
        StartedAt = at;
        Enter(ExperimentState.Checking, at, null);
    }

    /// <summary>The next forward state: checking → stopping → modifying → starting → verifying → succeeded (a stop: stopping → succeeded).</summary>
    public void Advance(ExperimentState next, DateTimeOffset at, string? note = null)
    {
        var allowed = (State, next, Action) switch
        {
            (ExperimentState.Checking, ExperimentState.Stopping, _) => true,
            (ExperimentState.Stopping, ExperimentState.Modifying, ExperimentAction.Resize) => true,
            (ExperimentState.Stopping, ExperimentState.Succeeded, ExperimentAction.Stop) => true,
            (ExperimentState.Modifying, ExperimentState.Starting, ExperimentAction.Resize) => true,
            (ExperimentState.Starting, ExperimentState.Verifying, ExperimentAction.Resize) => true,
            (ExperimentState.Verifying, ExperimentState.Succeeded, ExperimentAction.Resize) => true,
            _ => false,
        };
        if (!allowed)
        {
            throw new InvalidStateTransitionException(State, next);
        }
        Enter(next, at, note);
    }

    /// <summary>Something failed after the instance was touched: undo it (from stopping, modifying, starting or verifying).</summary>
    public void RollBack(DateTimeOffset at, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (State is not (ExperimentState.Stopping or ExperimentState.Modifying or ExperimentState.Starting or ExperimentState.Verifying))
        {
            throw new InvalidStateTransitionException(State, ExperimentState.RollingBack);
        }
        Message = Clip(reason);
        Enter(ExperimentState.RollingBack, at, reason);
    }

    /// <summary>rolling back → rolled back: the instance is as it was found.</summary>
    public void FinishRollback(DateTimeOffset at, string? note = null)
    {
        if (State is not ExperimentState.RollingBack)
        {
            throw new InvalidStateTransitionException(State, ExperimentState.RolledBack);
        }
        Enter(ExperimentState.RolledBack, at, note);
    }

    /// <summary>
    /// Ends it as failed: from planned or checking (nothing was touched) or from rolling back (even the rollback could not finish;
    /// <paramref name="message"/> says in what state the instance is).
    /// </summary>
    public void Fail(DateTimeOffset at, string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        if (State is not (ExperimentState.Planned or ExperimentState.Checking or ExperimentState.RollingBack))
        {
            throw new InvalidStateTransitionException(State, ExperimentState.Failed);
        }
        StartedAt ??= at;
        Message = Clip(Message is null || State != ExperimentState.RollingBack ? message : $"{Message} Rollback: {message}");
        Enter(ExperimentState.Failed, at, message);
    }

    /// <summary>Adds a note to the step under way (what the job is waiting for, a retried call).</summary>
    public void Note(string note)
    {
        if (CurrentStep is { } step)
        {
            _steps[^1] = step with { Note = note };
        }
    }

    private void Enter(ExperimentState next, DateTimeOffset at, string? note)
    {
        if (CurrentStep is { } step)
        {
            _steps[^1] = step with { EndedAt = at, Note = note ?? step.Note };
        }
        State = next;
        if (next.IsFinished())
        {
            CompletedAt = at;
        }
        else
        {
            _steps = [.. _steps, new ExperimentStep(next, at, null, null)];
        }
    }

    private static string Clip(string text) => text.Length <= MessageLength ? text : text[..(MessageLength - 1)] + "…";
}
