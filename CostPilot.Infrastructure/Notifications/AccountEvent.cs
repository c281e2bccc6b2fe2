using CostPilot.Domain.Accounts;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Utilization;

namespace CostPilot.Infrastructure.Notifications;

/// <summary>A change to an account that open pages should show at once: status, discovery progress, removal, new costs.</summary>
public sealed record AccountEvent(
    Guid AccountId,
    string OwnerId,
    AccountStatus Status,
    string? StatusMessage,
    int RegionsDone,
    int RegionsTotal,
    int InstancesFound,
    bool Removed,
    DateTimeOffset At,
    UtilizationProgress? Utilization = null,
    ExperimentProgress? Experiment = null)
{
    /// <summary>
    /// Whether <see cref="Status"/> is news. Utilization and experiment events carry the account's status as their job read it
    /// when it started, which may be stale by the time they are heard (a resumed scan, a finished one): only events of the
    /// account itself (connected, discovery progress, interrupted, finished, removed, changed) say what the status is now.
    /// </summary>
    public bool ReportsStatus => Utilization is null && Experiment is null;

    /// <summary>A new account: the owner's other tabs list it.</summary>
    public static AccountEvent Connected(Account account, DateTimeOffset at) =>
        new(account.Id, account.OwnerId, account.Status, null, 0, 0, 0, Removed: false, at);

    public static AccountEvent RemovedNow(Account account, DateTimeOffset at) =>
        new(account.Id, account.OwnerId, account.Status, null, 0, 0, 0, Removed: true, at);

    /// <summary>Something other than discovery changed the account's figures (a new price catalog): pages reload it.</summary>
    public static AccountEvent Changed(Guid accountId, string ownerId, AccountStatus status, string? statusMessage, DateTimeOffset at) =>
        new(accountId, ownerId, status, statusMessage, 0, 0, 0, Removed: false, at);

    /// <summary>Utilization collection started, progressed or ended (the account's own status is not part of it).</summary>
    public static AccountEvent UtilizationChanged(Account account, UtilizationProgress utilization, DateTimeOffset at) =>
        new(account.Id, account.OwnerId, account.Status, account.StatusMessage, 0, 0, 0, Removed: false, at, utilization);

    /// <summary>An experiment on one of the account's instances moved (a new state, a note on its step).</summary>
    public static AccountEvent ExperimentChanged(Account account, Experiment experiment, DateTimeOffset at) =>
        new(account.Id, account.OwnerId, account.Status, account.StatusMessage, 0, 0, 0, Removed: false, at,
            Experiment: ExperimentProgress.Of(experiment));

    /// <summary>Discovery's progress so far.</summary>
    public static AccountEvent Progress(Account account, AccountStatus status, string? statusMessage, int regionsDone, int regionsTotal,
        int instancesFound, DateTimeOffset at) =>
        new(account.Id, account.OwnerId, status, statusMessage, regionsDone, regionsTotal, instancesFound, Removed: false, at);
}

/// <summary>Where an account's utilization collection stands: its state, what it said, and instances read so far of those asked.</summary>
public sealed record UtilizationProgress(UtilizationStatus Status, string? Message, int InstancesDone, int InstancesTotal)
{
    public static UtilizationProgress Of(UtilizationRun run, int done, int total)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new(run.Status, run.Message, done, total);
    }
}

/// <summary>An experiment's state as pages show it live: which, on what, where it stands and what its current step says.</summary>
public sealed record ExperimentProgress(Guid ExperimentId, string InstanceId, ExperimentState State, string? Message, string? StepNote)
{
    public static ExperimentProgress Of(Experiment experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        return new(experiment.Id, experiment.InstanceId, experiment.State, experiment.Message,
            experiment.CurrentStep?.Note ?? (experiment.Steps.Count > 0 ? experiment.Steps[^1].Note : null));
    }
}
