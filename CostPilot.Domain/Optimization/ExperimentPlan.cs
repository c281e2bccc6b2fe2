using CostPilot.Domain.Inventory;

namespace CostPilot.Domain.Optimization;

/// <summary>What an experiment's job does next.</summary>
public enum MoveKind
{
    /// <summary>Run the dry runs and tag the instance, then advance to stopping.</summary>
    Check,

    /// <summary>The instance is between states: look again in a moment.</summary>
    Wait,

    Stop,
    Start,

    /// <summary>Change the type to <see cref="ExperimentMove.InstanceType"/>.</summary>
    ModifyType,

    /// <summary>Move the experiment on to <see cref="ExperimentMove.Next"/> (succeeded included).</summary>
    Advance,

    /// <summary>Start rolling back, for <see cref="ExperimentMove.Reason"/>.</summary>
    RollBack,

    /// <summary>The instance is as it was found: rolled back.</summary>
    FinishRollback,

    /// <summary>End as failed, for <see cref="ExperimentMove.Reason"/>.</summary>
    Fail,
}

public sealed record ExperimentMove(MoveKind Kind, string? InstanceType = null, ExperimentState? Next = null, string? Reason = null)
{
    public static readonly ExperimentMove Check = new(MoveKind.Check);
    public static readonly ExperimentMove Wait = new(MoveKind.Wait);
    public static readonly ExperimentMove Stop = new(MoveKind.Stop);
    public static readonly ExperimentMove Start = new(MoveKind.Start);
    public static readonly ExperimentMove FinishRollback = new(MoveKind.FinishRollback);

    public static ExperimentMove Modify(string type) => new(MoveKind.ModifyType, InstanceType: type);

    public static ExperimentMove Advance(ExperimentState next) => new(MoveKind.Advance, Next: next);

    public static ExperimentMove RollBack(string reason) => new(MoveKind.RollBack, Reason: reason);

    public static ExperimentMove Fail(string reason) => new(MoveKind.Fail, Reason: reason);
}

/// <summary>
/// The experiment's next move from its recorded state and what the instance actually is now. The job records each state
/// before it acts, so whatever it finds after a crash or a retry, this says how to go on without repeating a finished step
/// blindly: an action already done shows in the instance (stopped, new type, running) and the plan moves past it.
/// Rolling back aims at the instance as it was found: its original type, running.
/// </summary>
public static class ExperimentPlan
{
    public static ExperimentMove Next(Experiment experiment, ObservedInstance? seen)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (experiment.IsFinished)
        {
            throw new InvalidOperationException($"Experiment {experiment.Id} is finished ({experiment.State.Slug()}).");
        }
        var gone = seen is null || seen.State == InstanceState.Terminated || seen.State == InstanceState.ShuttingDown;
        var what = $"{experiment.InstanceId}";
        switch (experiment.State)
        {
            case ExperimentState.Planned or ExperimentState.Checking when gone:
                return ExperimentMove.Fail($"{what} no longer exists (terminated?). Nothing was changed.");
            case ExperimentState.RollingBack when gone:
                return ExperimentMove.Fail($"{what} was terminated during the experiment; there is nothing left to roll back.");
            case not (ExperimentState.Planned or ExperimentState.Checking or ExperimentState.RollingBack) when gone:
                return ExperimentMove.RollBack($"{what} was terminated by someone else during the experiment.");
        }
        var s = seen!;
        var resize = experiment.Action == ExperimentAction.Resize;
        return experiment.State switch
        {
            ExperimentState.Planned or ExperimentState.Checking => Check(experiment, s),
            ExperimentState.Stopping => s.State == InstanceState.Running ? ExperimentMove.Stop
                : s.State == InstanceState.Stopped ? ExperimentMove.Advance(resize ? ExperimentState.Modifying : ExperimentState.Succeeded)
                : ExperimentMove.Wait,
            ExperimentState.Modifying => s.State == InstanceState.Stopped
                ? s.InstanceType == experiment.ToType ? ExperimentMove.Advance(ExperimentState.Starting) : ExperimentMove.Modify(experiment.ToType!)
                : s.State == InstanceState.Stopping ? ExperimentMove.Wait
                : ExperimentMove.RollBack($"{what} was started by someone else while CostPilot was changing its type."),
            ExperimentState.Starting or ExperimentState.Verifying when resize && s.InstanceType != experiment.ToType =>
                ExperimentMove.RollBack($"{what} is a {s.InstanceType} now, not {experiment.ToType}: someone else changed its type during the experiment."),
            ExperimentState.Starting => s.State == InstanceState.Stopped ? ExperimentMove.Start
                : s.State == InstanceState.Running ? ExperimentMove.Advance(ExperimentState.Verifying)
                : ExperimentMove.Wait,
            ExperimentState.Verifying => s.State != InstanceState.Running
                ? ExperimentMove.RollBack($"{what} stopped ({s.State}) while its status checks were being verified.")
                : s.Checks switch
                {
                    StatusChecks.Ok => ExperimentMove.Advance(ExperimentState.Succeeded),
                    StatusChecks.Impaired => ExperimentMove.RollBack($"{what} failed its status checks as {s.InstanceType}."),
                    _ => ExperimentMove.Wait,
                },
            ExperimentState.RollingBack => RollBack(experiment, s),
            _ => throw new InvalidOperationException($"No move from {experiment.State}."),
        };
    }

    /// <summary>Before anything changes, the instance must still be what the recommendation was about: running, of its type.</summary>
    private static ExperimentMove Check(Experiment experiment, ObservedInstance seen)
    {
        if (seen.State != InstanceState.Running)
        {
            return ExperimentMove.Fail($"{experiment.InstanceId} is {seen.State} now, not running; CostPilot only changes running instances. Nothing was changed.");
        }
        if (seen.InstanceType != experiment.FromType)
        {
            return ExperimentMove.Fail($"{experiment.InstanceId} is a {seen.InstanceType} now, not the {experiment.FromType} the recommendation was about. Nothing was changed; the next scan brings fresh advice.");
        }
        return ExperimentMove.Check;
    }

    private static ExperimentMove RollBack(Experiment experiment, ObservedInstance seen)
    {
        if (seen.State == InstanceState.Pending || seen.State == InstanceState.Stopping)
        {
            return ExperimentMove.Wait;
        }
        var typeRight = seen.InstanceType == experiment.FromType;
        if (seen.State == InstanceState.Running)
        {
            return typeRight ? ExperimentMove.FinishRollback : ExperimentMove.Stop;
        }
        if (seen.State == InstanceState.Stopped)
        {
            return typeRight ? ExperimentMove.Start : ExperimentMove.Modify(experiment.FromType);
        }
        return ExperimentMove.Fail($"{experiment.InstanceId} is in a state CostPilot does not know ({seen.State}); it was left as it is.");
    }
}
