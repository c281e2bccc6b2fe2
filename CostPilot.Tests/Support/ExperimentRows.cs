using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;

namespace CostPilot.Tests.Support;

/// <summary>
/// Experiments built through the domain's own transitions, left in any state at known times (each step <see cref="StepSeconds"/>
/// after the last), and their downtime intervals; a test saves them with a DbContext.
/// </summary>
public static class ExperimentRows
{
    public const int StepSeconds = 10;

    /// <param name="completedAt">When it finished (a finished state only); by default one step after its last step.</param>
    public static Experiment Make(Guid accountId, string instanceId, ExperimentState state, DateTimeOffset createdAt,
        RecommendationKind kind = RecommendationKind.Rightsize, string fromType = "m5.xlarge", string? toType = "m5.large",
        decimal? before = 140.16m, decimal? after = 70.08m, string requestedBy = "user-id", string? requestedByName = null,
        string? instanceName = null, string region = "us-east-1", string message = "it went wrong", DateTimeOffset? completedAt = null)
    {
        var stop = ExperimentStates.ActionFor(kind) == ExperimentAction.Stop;
        var experiment = new Experiment(accountId, region, instanceId, instanceName, kind, fromType, stop ? null : toType, before, after,
            stop ? TimeSpan.Zero : TimeSpan.FromMinutes(2), requestedBy, requestedByName ?? $"{requestedBy}@costpilot.test", createdAt);
        if (state == ExperimentState.Planned)
        {
            return experiment;
        }
        var at = createdAt;
        DateTimeOffset Step() => at = at.AddSeconds(StepSeconds);
        DateTimeOffset End() => completedAt ?? Step();
        experiment.Begin(at);
        ExperimentState[] forward = stop
            ? [ExperimentState.Stopping]
            : [ExperimentState.Stopping, ExperimentState.Modifying, ExperimentState.Starting, ExperimentState.Verifying];
        switch (state)
        {
            case ExperimentState.Checking:
                break;
            case ExperimentState.Failed:
                experiment.Fail(End(), message);
                break;
            case ExperimentState.Succeeded:
                foreach (var next in forward)
                {
                    experiment.Advance(next, Step());
                }
                experiment.Advance(ExperimentState.Succeeded, End());
                break;
            case ExperimentState.RollingBack or ExperimentState.RolledBack:
                experiment.Advance(ExperimentState.Stopping, Step());
                experiment.RollBack(Step(), message);
                if (state == ExperimentState.RolledBack)
                {
                    experiment.FinishRollback(End());
                }
                break;
            default:
                foreach (var next in forward.TakeWhile(s => s != state).Append(state))
                {
                    experiment.Advance(next, Step());
                }
                break;
        }
        return experiment;
    }

    /// <summary>Downtime of the experiment's instance from <paramref name="startedAt"/>: ended after <paramref name="seconds"/>, or still open.</summary>
    public static DowntimeLog Downtime(Experiment experiment, DateTimeOffset startedAt, int? seconds)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        var downtime = new DowntimeLog(experiment.AccountId, experiment.InstanceId, experiment.Id, experiment.Kind.Slug(), startedAt);
        if (seconds is { } s)
        {
            downtime.End(startedAt.AddSeconds(s));
        }
        return downtime;
    }
}
