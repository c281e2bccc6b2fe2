using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using Hangfire.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>
/// Discovery as resumable work: an account discovering or interrupted is work in progress, the account's discovery lock is
/// its lease, and <see cref="DiscoveryJob"/> resumes it (a resumed scan writes exactly what a clean one would).
/// </summary>
public sealed class DiscoveryWork(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    NpgsqlDataSource dataSource,
    DiscoveryScheduler scheduler,
    AccountEventPublisher events,
    TimeProvider clock) : IResumableWork
{
    public const string KindName = "discovery";

    public string Kind => KindName;

    /// <summary>The advisory lock key of an account's discovery: one scan of an account at a time, across all nodes.</summary>
    public static long LeaseKey(Guid accountId) => BitConverter.ToInt64(accountId.ToByteArray(), 0);

    /// <summary>What the account page says while the work waits to resume.</summary>
    public static string MessageFor(Interruption cause) => cause switch
    {
        Interruption.Shutdown => "The server running this scan shut down before it finished. Another server, or this one when it is back, resumes it; what it found so far is kept.",
        Interruption.ConnectionLost => "This scan lost its database connection. It retries by itself and resumes when the database answers again; what it found so far is kept.",
        _ => "The server running this scan stopped before it finished. It resumes by itself within about a minute; what it found so far is kept.",
    };

    public async Task<IReadOnlyList<WorkItem>> FindInProgressAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var accounts = await db.Accounts.AsNoTracking()
            .Where(a => a.Status == AccountStatus.Discovering || a.Status == AccountStatus.Interrupted)
            .Select(a => new { a.Id, a.Name, a.AwsAccountId })
            .ToListAsync(ct);
        return [.. accounts.Select(a => new WorkItem(Kind, a.Id, DiscoveryScheduler.Label(a.Name, a.AwsAccountId)))];
    }

    public Task<bool> IsRunningAsync(WorkItem item, CancellationToken ct) =>
        WorkLease.IsHeldAsync(dataSource, LeaseKey(item.Id), ct);

    public bool IsJobFor(Job job, WorkItem item) =>
        job.Type == typeof(DiscoveryJob) && job.Args is [Guid accountId, ..] && accountId == item.Id;

    public Task<bool> MarkInterruptedAsync(WorkItem item, Interruption cause, CancellationToken ct) =>
        InterruptAsync(item.Id, cause, ct);

    public string Enqueue(WorkItem item) => scheduler.Enqueue(item.Id, item.Label);

    /// <summary>
    /// Marks the account's discovery interrupted unless a live process holds its lease; true when it is (now) interrupted.
    /// The account's row lock orders this against a job starting, which takes the lease first and then reads the account
    /// under the same row lock (<see cref="LockAccountAsync"/>): either the job sees the mark and resumes from it, or this
    /// sees the job's lease and changes nothing.
    /// </summary>
    public async Task<bool> InterruptAsync(Guid accountId, Interruption cause, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var account = await LockAccountAsync(db, accountId, ct);
        if (account is not { IsDiscoveryInProgress: true } || await WorkLease.IsHeldAsync(dataSource, LeaseKey(accountId), ct))
        {
            return false;
        }
        if (account.Status == AccountStatus.Interrupted)
        {
            return true;
        }
        account.InterruptDiscovery(MessageFor(cause));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await events.PublishAsync(new AccountEvent(account.Id, account.OwnerId, account.Status, account.StatusMessage,
            0, 0, 0, Removed: false, clock.GetUtcNow()), ct);
        return true;
    }

    /// <summary>Reads the account holding its row lock until the transaction on <paramref name="db"/> ends (null: gone).</summary>
    internal static async Task<Account?> LockAccountAsync(CostPilotDbContext db, Guid accountId, CancellationToken ct)
    {
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM accounts WHERE id = {accountId} FOR UPDATE", ct);
        return await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, ct);
    }
}
