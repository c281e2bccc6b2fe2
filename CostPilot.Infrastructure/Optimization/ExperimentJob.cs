using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Infrastructure.Optimization;

/// <summary>
/// Applies one experiment to its instance: dry runs of every action first (a missing permission fails it with nothing
/// touched), the original type tagged, then stop → modify → start → verify the status checks, each wait bounded; any failure
/// once the instance was touched rolls it back to its original type, running. At-least-once safe: the experiment's state is
/// saved before each action, and every move is chosen by <see cref="ExperimentPlan"/> from the instance as EC2 describes it
/// now, so a retried or resumed job continues or rolls back from where things really are, never repeating a step blindly.
/// One job per experiment at a time (its lease); one experiment per instance at a time (a partial unique index).
/// Each interval the instance was not running goes into <c>downtime_logs</c>; each state change reaches open pages live.
/// </summary>
public sealed partial class ExperimentJob(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    NpgsqlDataSource dataSource,
    IInstanceActionsFactory actionsFactory,
    ExperimentWork work,
    DiscoveryScheduler discovery,
    AccountEventPublisher events,
    IOptions<JobOptions> jobOptions,
    IOptions<ExperimentOptions> options,
    TimeProvider clock,
    ILogger<ExperimentJob> logger)
{
    private static readonly TimeSpan InterruptTimeout = TimeSpan.FromSeconds(5);

    [JobDisplayName("Apply · {1}")]
    [AutomaticRetry(Attempts = 10, DelaysInSeconds = [5, 15, 30, 60, 120, 300, 600, 600, 600, 600],
        OnlyOn = [typeof(TransientJobException)], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(Guid experimentId, string label, CancellationToken ct)
    {
        try
        {
            await using var lease = await WorkLease.TryAcquireAsync(dataSource, ExperimentWork.LeaseKey(experimentId),
                jobOptions.Value.EffectiveInvisibilityTimeout, ct);
            if (lease is null)
            {
                LogAlreadyRunning(logger, experimentId);
                return;
            }
            using var leased = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
            try
            {
                await ApplyAsync(experimentId, lease, leased.Token);
            }
            catch (OperationCanceledException e) when (lease.Lost.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new WorkLeaseLostException($"Experiment {experimentId} lost its lease.", e);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await InterruptQuietlyAsync(experimentId, Interruption.Shutdown);
            throw;
        }
        catch (Exception e) when (TransientErrors.IsTransient(e) && e is not TransientJobException)
        {
            LogConnectionLost(logger, e, experimentId);
            await InterruptQuietlyAsync(experimentId, Interruption.ConnectionLost);
            throw new TransientJobException($"Experiment {experimentId} lost its database connection; it is retried.", e);
        }
    }

    private async Task ApplyAsync(Guid experimentId, WorkLease lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.SingleOrDefaultAsync(e => e.Id == experimentId, ct);
        if (experiment is null || experiment.IsFinished)
        {
            return;
        }
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == experiment.AccountId, ct);
        if (account is null)
        {
            return;
        }
        var run = new Run(options.Value, clock, events, db, experiment, account, lease);
        experiment.RecordAttempt();
        if (experiment.Attempts > options.Value.MaxAttempts)
        {
            await run.GiveUpAsync(ct);
        }
        await run.SaveAsync(ct);
        if (experiment.IsFinished)
        {
            return;
        }

        var actions = await actionsFactory.CreateAsync(account, experiment.Region, ct);
        try
        {
            await run.DriveAsync(actions, ct);
        }
        finally
        {
            (actions as IDisposable)?.Dispose();
        }
        LogFinished(logger, experiment.Id, experiment.InstanceId, experiment.State);
        if (experiment.State == ExperimentState.Succeeded)
        {
            // The new type and its price reach the inventory, the costs and the advice through the normal scan.
            var rescan = await discovery.RescanAsync(account, CancellationToken.None);
            if (rescan.Error is { } later)
            {
                LogRescanLater(logger, account.Id, later.Message);
            }
        }
    }

    private async Task InterruptQuietlyAsync(Guid experimentId, Interruption cause)
    {
        using var timeout = new CancellationTokenSource(InterruptTimeout);
        try
        {
            await work.InterruptAsync(experimentId, cause, timeout.Token);
        }
        catch (Exception e)
        {
            LogInterruptNotRecorded(logger, e, experimentId);
        }
    }

    /// <summary>One job's run of one experiment: the loop of look, decide, act; saves and pushes every change.</summary>
    private sealed class Run(ExperimentOptions options, TimeProvider clock, AccountEventPublisher events, CostPilotDbContext db,
        Experiment experiment, Account account, WorkLease lease)
    {
        private DateTimeOffset Now => clock.GetUtcNow();

        public async Task DriveAsync(IInstanceActions actions, CancellationToken ct)
        {
            if (experiment.State == ExperimentState.Planned)
            {
                // Checking from the first look at the instance: its bound then covers an AWS that does not answer that look.
                experiment.Begin(Now);
                experiment.Note("Checking permissions with dry runs; nothing is changed yet.");
                await SaveAsync(ct);
            }
            while (!experiment.IsFinished)
            {
                ct.ThrowIfCancellationRequested();
                if (Expired() is { } limit)
                {
                    await TimedOutAsync(limit, actions, ct);
                    continue;
                }

                ObservedInstance? seen;
                try
                {
                    seen = await actions.DescribeAsync(experiment.InstanceId, ct);
                }
                catch (InstanceActionException e) when (e.IsTransient)
                {
                    await NoteAndWaitAsync(e.Message, ct);
                    continue;
                }
                catch (InstanceActionException e)
                {
                    await FailedAsync(e, null, ct);
                    continue;
                }

                var move = ExperimentPlan.Next(experiment, seen);
                switch (move.Kind)
                {
                    case MoveKind.Check:
                        await CheckAsync(actions, ct);
                        break;
                    case MoveKind.Wait:
                        await EnsureDowntimeAsync(seen, ct);
                        await NoteAndWaitAsync(WaitingFor(seen!), ct);
                        break;
                    case MoveKind.Stop:
                        await ActAsync(() => actions.StopAsync(experiment.InstanceId, ct), seen, stops: true, ct);
                        break;
                    case MoveKind.Start:
                        await ActAsync(() => actions.StartAsync(experiment.InstanceId, ct), seen, stops: false, ct);
                        break;
                    case MoveKind.ModifyType:
                        await ActAsync(() => actions.ModifyInstanceTypeAsync(experiment.InstanceId, move.InstanceType!, ct), seen, stops: false, ct);
                        break;
                    case MoveKind.Advance:
                        await AdvanceAsync(move.Next!.Value, seen!, ct);
                        break;
                    case MoveKind.RollBack:
                        experiment.RollBack(Now, move.Reason!);
                        await SaveAsync(ct);
                        break;
                    case MoveKind.FinishRollback:
                        await CloseDowntimeAsync(ct);
                        experiment.FinishRollback(Now, $"{experiment.InstanceId} is running as {experiment.FromType} again.");
                        await SaveAsync(ct);
                        break;
                    case MoveKind.Fail:
                        await CloseDowntimeAsync(ct);
                        experiment.Fail(Now, move.Reason! + LeftAs(seen));
                        await SaveAsync(ct);
                        break;
                }
            }
        }

        /// <summary>Dry runs of every action the experiment takes, then the original-type tag; then stopping.</summary>
        private async Task CheckAsync(IInstanceActions actions, CancellationToken ct)
        {
            var id = experiment.InstanceId;
            try
            {
                await actions.DryRunAsync(InstanceAction.Stop, id, null, ct);
                await actions.DryRunAsync(InstanceAction.Start, id, null, ct);
                if (experiment.Action == ExperimentAction.Resize)
                {
                    await actions.DryRunAsync(InstanceAction.ModifyInstanceType, id, experiment.ToType, ct);
                    await actions.DryRunAsync(InstanceAction.Tag, id, null, ct);
                    await lease.EnsureHeldAsync(ct);
                    await actions.TagOriginalTypeAsync(id, experiment.FromType, ct);
                }
            }
            catch (InstanceActionException e) when (e.IsTransient)
            {
                await NoteAndWaitAsync(e.Message, ct);
                return;
            }
            catch (InstanceActionException e)
            {
                experiment.Fail(Now, e.Message + " Nothing was changed.");
                await SaveAsync(ct);
                return;
            }
            var allowed = experiment.Action == ExperimentAction.Resize
                ? $"Allowed: stop, change the type and start. Original type {experiment.FromType} recorded in the tag {InstanceActions.OriginalTypeTag}."
                : "Allowed: stop and start.";
            experiment.Advance(ExperimentState.Stopping, Now, allowed);
            await SaveAsync(ct);
        }

        /// <summary>Takes one EC2 action; a failure that passes is retried after a pause, any other rolls back (or, rolling back, fails).</summary>
        private async Task ActAsync(Func<Task> act, ObservedInstance? seen, bool stops, CancellationToken ct)
        {
            await lease.EnsureHeldAsync(ct);
            var at = Now;
            try
            {
                await act();
            }
            catch (InstanceActionException e) when (e.IsTransient
                || (e.Failure == ActionFailure.InsufficientCapacity && experiment.State == ExperimentState.RollingBack))
            {
                // Capacity for the original type comes back: a rollback keeps asking until its bound.
                await NoteAndWaitAsync(e.Message, ct);
                return;
            }
            catch (InstanceActionException e)
            {
                await FailedAsync(e, seen, ct);
                return;
            }
            if (stops)
            {
                await OpenDowntimeAsync(at, ct);
            }
            await Task.Delay(options.PollInterval, clock, ct);
        }

        private async Task AdvanceAsync(ExperimentState next, ObservedInstance seen, CancellationToken ct)
        {
            var note = next switch
            {
                ExperimentState.Modifying => $"{experiment.InstanceId} stopped.",
                ExperimentState.Starting => $"Type changed to {seen.InstanceType}.",
                ExperimentState.Verifying => $"{experiment.InstanceId} is running as {seen.InstanceType}; waiting for both status checks.",
                ExperimentState.Succeeded when experiment.Action == ExperimentAction.Stop => $"{experiment.InstanceId} stopped, as recommended.",
                ExperimentState.Succeeded => $"Both status checks passed as {seen.InstanceType}.",
                _ => null,
            };
            if (next == ExperimentState.Verifying)
            {
                await CloseDowntimeAsync(ct);
            }
            else if (next == ExperimentState.Succeeded && experiment.Action == ExperimentAction.Stop)
            {
                // Stopping an idle instance is the change asked for, not an outage: it does not count against the SLA.
                await DiscardDowntimeAsync(ct);
            }
            else
            {
                await EnsureDowntimeAsync(seen, ct);
            }
            experiment.Advance(next, Now, note);
            await SaveAsync(ct);
        }

        /// <summary>An action or a look failed for good: before anything changed it fails, afterwards it rolls back, rolling back it fails.</summary>
        private async Task FailedAsync(InstanceActionException e, ObservedInstance? seen, CancellationToken ct)
        {
            switch (experiment.State)
            {
                case ExperimentState.Planned or ExperimentState.Checking:
                    experiment.Fail(Now, e.Message + " Nothing was changed.");
                    break;
                case ExperimentState.RollingBack:
                    await CloseDowntimeAsync(ct);
                    experiment.Fail(Now, e.Message + LeftAs(seen));
                    break;
                default:
                    experiment.RollBack(Now, e.Message);
                    break;
            }
            await SaveAsync(ct);
        }

        private async Task TimedOutAsync(TimeSpan limit, IInstanceActions actions, CancellationToken ct)
        {
            var what = experiment.State.Title().ToLowerInvariant();
            switch (experiment.State)
            {
                case ExperimentState.Planned or ExperimentState.Checking:
                    experiment.Fail(Now, $"The checks did not finish within {Span(limit)} (AWS busy or unreachable). Nothing was changed.");
                    break;
                case ExperimentState.RollingBack:
                    ObservedInstance? seen = null;
                    try
                    {
                        seen = await actions.DescribeAsync(experiment.InstanceId, ct);
                    }
                    catch (InstanceActionException)
                    {
                        // Where it stands is unknown then; the message says so.
                    }
                    await CloseDowntimeAsync(ct);
                    experiment.Fail(Now, $"The rollback did not finish within {Span(limit)}." + LeftAs(seen));
                    break;
                default:
                    experiment.RollBack(Now, $"{experiment.InstanceId} did not finish {what} within {Span(limit)}.");
                    break;
            }
            await SaveAsync(ct);
        }

        /// <summary>The bound of the step under way, when it has run longer than that.</summary>
        private TimeSpan? Expired()
        {
            if (experiment.CurrentStep is not { } step)
            {
                return null;
            }
            var limit = experiment.State switch
            {
                ExperimentState.Checking => options.CheckTimeout,
                ExperimentState.Stopping => options.StopTimeout,
                ExperimentState.Modifying => options.ModifyTimeout,
                ExperimentState.Starting => options.StartTimeout,
                ExperimentState.Verifying => options.VerifyTimeout,
                ExperimentState.RollingBack => options.RollbackTimeout,
                _ => TimeSpan.MaxValue,
            };
            return Now - step.StartedAt > limit ? limit : null;
        }

        private async Task NoteAndWaitAsync(string note, CancellationToken ct)
        {
            if (experiment.CurrentStep?.Note != note)
            {
                experiment.Note(note);
                await SaveAsync(ct);
            }
            await Task.Delay(options.PollInterval, clock, ct);
        }

        private string WaitingFor(ObservedInstance seen) => experiment.State switch
        {
            ExperimentState.Stopping => $"Waiting for {experiment.InstanceId} to stop ({seen.State}).",
            ExperimentState.Modifying => $"Waiting for {experiment.InstanceId} to stop before changing its type ({seen.State}).",
            ExperimentState.Starting => $"Waiting for {experiment.InstanceId} to start ({seen.State}).",
            ExperimentState.Verifying => $"Waiting for the status checks of {experiment.InstanceId} ({seen.Checks.ToString().ToLowerInvariant()}).",
            ExperimentState.RollingBack => $"Rolling back: waiting for {experiment.InstanceId} ({seen.State}, {seen.InstanceType}).",
            _ => $"Waiting for {experiment.InstanceId} ({seen.State}).",
        };

        /// <summary>" The instance is left stopped as m6g.large." — where a failed experiment leaves it.</summary>
        private static string LeftAs(ObservedInstance? seen) => seen is null
            ? " CostPilot could not see the instance's state; check it in the EC2 console."
            : seen.State == InstanceState.Running
                ? $" The instance is running as {seen.InstanceType}."
                : $" The instance is left {seen.State} as {seen.InstanceType}; start it (with the right type) from the EC2 console.";

        private static string Span(TimeSpan t) => t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0.#} min"
            : t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0} s" : $"{t.TotalMilliseconds:0} ms";

        /// <summary>A new interval of downtime from the moment the stop was asked for.</summary>
        private async Task OpenDowntimeAsync(DateTimeOffset at, CancellationToken ct)
        {
            if (await OpenDowntime(ct) is null)
            {
                db.DowntimeLogs.Add(new DowntimeLog(experiment.AccountId, experiment.InstanceId, experiment.Id, Reason(), at));
                await db.SaveChangesAsync(ct);
            }
        }

        /// <summary>
        /// The instance is not running during the experiment but no interval is open: the job stopped it and was cut off before it
        /// could record that. The interval then starts when the step did, which is never later than the stop.
        /// </summary>
        private async Task EnsureDowntimeAsync(ObservedInstance? seen, CancellationToken ct)
        {
            var mayBeDown = experiment.State is ExperimentState.Stopping or ExperimentState.Modifying or ExperimentState.Starting
                or ExperimentState.RollingBack;
            if (!mayBeDown || seen is null || seen.State == InstanceState.Running || experiment.CurrentStep is not { } step)
            {
                return;
            }
            if (experiment.State == ExperimentState.Stopping && seen.State == InstanceState.Pending)
            {
                return;
            }
            if (await OpenDowntime(ct) is null && (experiment.State == ExperimentState.RollingBack
                || !await db.DowntimeLogs.AnyAsync(d => d.ExperimentId == experiment.Id, ct)))
            {
                db.DowntimeLogs.Add(new DowntimeLog(experiment.AccountId, experiment.InstanceId, experiment.Id, Reason(), step.StartedAt));
                await db.SaveChangesAsync(ct);
            }
        }

        private async Task CloseDowntimeAsync(CancellationToken ct)
        {
            if (await OpenDowntime(ct) is { } open)
            {
                open.End(Now < open.StartedAt ? open.StartedAt : Now);
            }
        }

        private async Task DiscardDowntimeAsync(CancellationToken ct)
        {
            if (await OpenDowntime(ct) is { } open)
            {
                db.DowntimeLogs.Remove(open);
            }
        }

        private Task<DowntimeLog?> OpenDowntime(CancellationToken ct) =>
            db.DowntimeLogs.SingleOrDefaultAsync(d => d.ExperimentId == experiment.Id && d.EndedAt == null, ct);

        private string Reason() => experiment.State == ExperimentState.RollingBack
            ? $"Rollback of {experiment.Kind.Title().ToLowerInvariant()} ({experiment.FromType})"
            : experiment.ToType is { } to ? $"{experiment.Kind.Title()}: {experiment.FromType} → {to}" : experiment.Kind.Title();

        /// <summary>Gave up after too many attempts: fails when nothing (more) can be done, else rolls back once more.</summary>
        public Task GiveUpAsync(CancellationToken ct)
        {
            var tries = experiment.Attempts - 1;
            var why = $"Gave up after {tries} {(tries == 1 ? "attempt" : "attempts")} (the job kept being cut off).";
            if (experiment.State is ExperimentState.Planned or ExperimentState.Checking or ExperimentState.RollingBack)
            {
                experiment.Fail(Now, why + " Check the instance in the EC2 console.");
            }
            else
            {
                experiment.RollBack(Now, why);
            }
            return Task.CompletedTask;
        }

        /// <summary>Saves the experiment (and any downtime change) in one transaction, then pushes it to open pages.</summary>
        public async Task SaveAsync(CancellationToken ct)
        {
            await db.SaveChangesAsync(ct);
            await events.PublishAsync(AccountEvent.ExperimentChanged(account, experiment, Now), ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Experiment {ExperimentId} is already being applied; this run stops here")]
    private static partial void LogAlreadyRunning(ILogger logger, Guid experimentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Experiment {ExperimentId} on {InstanceId} ended {State}")]
    private static partial void LogFinished(ILogger logger, Guid experimentId, string instanceId, ExperimentState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} is rescanned later, not now: {Reason}")]
    private static partial void LogRescanLater(ILogger logger, Guid accountId, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {ExperimentId} lost its database connection; the job is retried")]
    private static partial void LogConnectionLost(ILogger logger, Exception exception, Guid experimentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not note that experiment {ExperimentId} was interrupted; reconciliation will")]
    private static partial void LogInterruptNotRecorded(ILogger logger, Exception exception, Guid experimentId);
}
