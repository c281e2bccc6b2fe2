using CostPilot.Domain.Optimization;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using Hangfire.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CostPilot.Infrastructure.Optimization;

/// <summary>
/// Experiments as resumable work: one under way is work in progress, its lease tells a live job from an abandoned one, and
/// <see cref="ExperimentJob"/> resumes it from the instance's actual state (its plan never repeats a finished step blindly).
/// </summary>
public sealed class ExperimentWork(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    NpgsqlDataSource dataSource,
    ExperimentScheduler scheduler,
    AccountEventPublisher events,
    TimeProvider clock) : IResumableWork
{
    public const string KindName = "experiment";

    public string Kind => KindName;

    /// <summary>The advisory lock key of one experiment (salted so it never meets an account's discovery or utilization key).</summary>
    public static long LeaseKey(Guid experimentId) => BitConverter.ToInt64(experimentId.ToByteArray(), 0) ^ 0x4558_5045_0000_0000L;

    public static string MessageFor(Interruption cause) => cause switch
    {
        Interruption.Shutdown => "The server applying it shut down mid-way; it resumes from the instance's actual state by itself.",
        Interruption.ConnectionLost => "It lost its database connection; it resumes from the instance's actual state when the database answers again.",
        _ => "The server applying it stopped mid-way; it resumes from the instance's actual state within about a minute.",
    };

    public async Task<IReadOnlyList<WorkItem>> FindInProgressAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var unfinished = ExperimentStates.Unfinished.ToList();
        var experiments = await db.Experiments.AsNoTracking().Where(e => unfinished.Contains(e.State)).ToListAsync(ct);
        return [.. experiments.Select(e => new WorkItem(Kind, e.Id, ExperimentScheduler.Label(e)))];
    }

    public Task<bool> IsRunningAsync(WorkItem item, CancellationToken ct) => WorkLease.IsHeldAsync(dataSource, LeaseKey(item.Id), ct);

    public bool IsJobFor(Job job, WorkItem item) =>
        job.Type == typeof(ExperimentJob) && job.Args is [Guid experimentId, ..] && experimentId == item.Id;

    public Task<bool> MarkInterruptedAsync(WorkItem item, Interruption cause, CancellationToken ct) => InterruptAsync(item.Id, cause, ct);

    public string Enqueue(WorkItem item) => scheduler.Enqueue(item.Id, item.Label);

    /// <summary>Notes on the experiment's step that it was cut off, unless a live process holds its lease.</summary>
    public async Task<bool> InterruptAsync(Guid experimentId, Interruption cause, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var experiment = await LockAsync(db, experimentId, ct);
        if (experiment is null || experiment.IsFinished || await WorkLease.IsHeldAsync(dataSource, LeaseKey(experimentId), ct))
        {
            return false;
        }
        experiment.Note(MessageFor(cause));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        if (await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == experiment.AccountId, ct) is { } account)
        {
            await events.PublishAsync(AccountEvent.ExperimentChanged(account, experiment, clock.GetUtcNow()), ct);
        }
        return true;
    }

    /// <summary>The experiment, holding its row lock until the transaction on <paramref name="db"/> ends; null when there is none.</summary>
    internal static async Task<Experiment?> LockAsync(CostPilotDbContext db, Guid experimentId, CancellationToken ct)
    {
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM experiment_logs WHERE id = {experimentId} FOR UPDATE", ct);
        return await db.Experiments.SingleOrDefaultAsync(e => e.Id == experimentId, ct);
    }
}
