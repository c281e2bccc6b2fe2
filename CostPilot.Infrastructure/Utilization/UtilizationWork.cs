using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using Hangfire.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CostPilot.Infrastructure.Utilization;

/// <summary>
/// Utilization collection as resumable work: a run collecting or interrupted is work in progress, its lease tells a live job
/// from an abandoned one, and <see cref="UtilizationJob"/> resumes it (each batch replaces its rows, so nothing doubles).
/// </summary>
public sealed class UtilizationWork(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    NpgsqlDataSource dataSource,
    UtilizationScheduler scheduler,
    AccountEventPublisher events,
    TimeProvider clock) : IResumableWork
{
    public const string KindName = "utilization";

    public string Kind => KindName;

    /// <summary>The advisory lock key of an account's utilization run (the other half of its id than discovery's key, salted).</summary>
    public static long LeaseKey(Guid accountId) => BitConverter.ToInt64(accountId.ToByteArray(), 8) ^ 0x5554_494C_0000_0000L;

    public static string MessageFor(Interruption cause) => cause switch
    {
        Interruption.Shutdown => "The server reading CloudWatch shut down before it finished. It resumes by itself.",
        Interruption.ConnectionLost => "Reading CloudWatch lost its database connection. It retries by itself when the database answers again.",
        _ => "The server reading CloudWatch stopped before it finished. It resumes by itself within about a minute.",
    };

    public async Task<IReadOnlyList<WorkItem>> FindInProgressAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await (
            from run in db.UtilizationRuns.AsNoTracking()
            join account in db.Accounts.AsNoTracking() on run.AccountId equals account.Id
            where run.Status == UtilizationStatus.Collecting || run.Status == UtilizationStatus.Interrupted
            select new { account.Id, account.Name, account.AwsAccountId }).ToListAsync(ct);
        return [.. runs.Select(a => new WorkItem(Kind, a.Id, DiscoveryScheduler.Label(a.Name, a.AwsAccountId)))];
    }

    public Task<bool> IsRunningAsync(WorkItem item, CancellationToken ct) => WorkLease.IsHeldAsync(dataSource, LeaseKey(item.Id), ct);

    public bool IsJobFor(Job job, WorkItem item) =>
        job.Type == typeof(UtilizationJob) && job.Args is [Guid accountId, ..] && accountId == item.Id;

    public Task<bool> MarkInterruptedAsync(WorkItem item, Interruption cause, CancellationToken ct) => InterruptAsync(item.Id, cause, ct);

    public string Enqueue(WorkItem item) => scheduler.Enqueue(item.Id, item.Label);

    /// <summary>Marks the run interrupted unless a live process holds its lease (the run's row lock orders this against a job starting).</summary>
    public async Task<bool> InterruptAsync(Guid accountId, Interruption cause, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var run = await LockRunAsync(db, accountId, ct);
        if (run is not { IsInProgress: true } || await WorkLease.IsHeldAsync(dataSource, LeaseKey(accountId), ct))
        {
            return false;
        }
        if (run.Status == UtilizationStatus.Interrupted)
        {
            return true;
        }
        run.Interrupt(MessageFor(cause));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        if (await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, ct) is { } account)
        {
            await events.PublishAsync(AccountEvent.UtilizationChanged(account, UtilizationProgress.Of(run, 0, 0), clock.GetUtcNow()), ct);
        }
        return true;
    }

    /// <summary>The account's run, holding its row lock until the transaction on <paramref name="db"/> ends; null when there is none.</summary>
    internal static async Task<UtilizationRun?> LockRunAsync(CostPilotDbContext db, Guid accountId, CancellationToken ct)
    {
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM utilization_runs WHERE account_id = {accountId} FOR UPDATE", ct);
        return await db.UtilizationRuns.SingleOrDefaultAsync(r => r.AccountId == accountId, ct);
    }
}
