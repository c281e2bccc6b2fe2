using CostPilot.Domain.Recommendations;

namespace CostPilot.Domain.Optimization;

/// <summary>
/// Where an experiment stands. Forward: planned → checking → stopping → modifying → starting → verifying → succeeded (a stop
/// ends at stopping → succeeded). Any failure once something changed: rolling back → rolled back, or failed when even the
/// rollback could not finish. A failure while checking (nothing touched yet) ends in failed at once.
/// </summary>
public enum ExperimentState
{
    Planned,
    Checking,
    Stopping,
    Modifying,
    Starting,
    Verifying,
    Succeeded,
    RollingBack,
    RolledBack,
    Failed,
}

/// <summary>What an experiment does to its instance.</summary>
public enum ExperimentAction
{
    /// <summary>Stop, change the type, start, verify (rightsize, Graviton, modernize).</summary>
    Resize,

    /// <summary>Stop and leave stopped (an idle instance).</summary>
    Stop,
}

public static class ExperimentStates
{
    public static readonly IReadOnlyList<ExperimentState> All = Enum.GetValues<ExperimentState>();

    /// <summary>The stable name pages (<c>data-state</c>), CSV and the API use: planned, checking, ..., rolling-back, rolled-back, failed.</summary>
    public static string Slug(this ExperimentState state) => state switch
    {
        ExperimentState.Planned => "planned",
        ExperimentState.Checking => "checking",
        ExperimentState.Stopping => "stopping",
        ExperimentState.Modifying => "modifying",
        ExperimentState.Starting => "starting",
        ExperimentState.Verifying => "verifying",
        ExperimentState.Succeeded => "succeeded",
        ExperimentState.RollingBack => "rolling-back",
        ExperimentState.RolledBack => "rolled-back",
        ExperimentState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static ExperimentState? FromSlug(string? slug) => All.Cast<ExperimentState?>().FirstOrDefault(s => s!.Value.Slug() == slug);

    /// <summary>"Stopping", "Rolled back", ...</summary>
    public static string Title(this ExperimentState state) => state switch
    {
        ExperimentState.RollingBack => "Rolling back",
        ExperimentState.RolledBack => "Rolled back",
        _ => state.ToString(),
    };

    /// <summary>Succeeded, rolled back or failed: nothing more happens to it.</summary>
    public static bool IsFinished(this ExperimentState state) =>
        state is ExperimentState.Succeeded or ExperimentState.RolledBack or ExperimentState.Failed;

    /// <summary>The states stored for experiments still under way (the one-per-instance constraint covers exactly these).</summary>
    public static IReadOnlyList<ExperimentState> Unfinished { get; } = [.. All.Where(s => !s.IsFinished())];

    /// <summary>What applying a compute recommendation does; null for kinds CostPilot does not apply (volumes, addresses, removals).</summary>
    public static ExperimentAction? ActionFor(RecommendationKind kind) => kind switch
    {
        RecommendationKind.Idle => ExperimentAction.Stop,
        RecommendationKind.Rightsize or RecommendationKind.Graviton or RecommendationKind.Modernize => ExperimentAction.Resize,
        _ => null,
    };
}

/// <summary>One step of an experiment as it happened: which state, from when to when, and what it ended with.</summary>
public sealed record ExperimentStep(ExperimentState State, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? Note)
{
    public TimeSpan? Duration => EndedAt - StartedAt;
}
