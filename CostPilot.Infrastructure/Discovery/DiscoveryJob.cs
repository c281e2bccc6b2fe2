using System.Collections.Concurrent;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>
/// Scans every enabled region of one account (bounded concurrency), upserts what it finds a page at a
/// time, marks what vanished, and reports progress live. Safe to retry and to run twice: a second
/// run for the same account while one is going simply returns.
/// </summary>
public sealed partial class DiscoveryJob(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    NpgsqlDataSource dataSource,
    InventorySourceFactory sources,
    InventoryStore store,
    AccountEventPublisher events,
    IOptions<AwsOptions> awsOptions,
    TimeProvider clock,
    ILogger<DiscoveryJob> logger)
{
    /// <summary>The label only names the job in the dashboard; the id is what the job works on.</summary>
    [JobDisplayName("Discover EC2 · {1}")]
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(Guid accountId, string label, CancellationToken ct)
    {
        await using var lockConnection = await dataSource.OpenConnectionAsync(ct);
        // A transaction-scoped lock ends with this run; a session lock would stay with the pooled connection.
        await using var lockTransaction = await lockConnection.BeginTransactionAsync(ct);
        if (!await TryLockAsync(lockConnection, accountId, ct))
        {
            LogAlreadyRunning(logger, accountId);
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null)
        {
            LogAccountGone(logger, accountId);
            return;
        }
        if (account.Status == AccountStatus.Discovering)
        {
            account.RestartStaleDiscovery();
        }
        else
        {
            account.StartDiscovery();
        }
        await db.SaveChangesAsync(ct);
        var progress = new Progress(account, events, clock);
        await progress.PublishAsync(ct);

        string? failure = null;
        string? warning = null;
        try
        {
            var source = await sources.CreateAsync(account, ct);
            var regions = await source.ListRegionsAsync(ct);
            progress.RegionsTotal = regions.Count;
            await progress.PublishAsync(ct);
            var regionErrors = await ScanRegionsAsync(account.Id, source, regions, progress, ct);
            if (regions.Count > 0 && regionErrors.Count == regions.Count)
            {
                failure = $"No region could be scanned. {regionErrors.Values.First()}";
            }
            else if (!regionErrors.IsEmpty)
            {
                warning = $"{regionErrors.Count} of {regions.Count} regions could not be scanned: " +
                    string.Join("; ", regionErrors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value}"));
            }
        }
        catch (InventoryException e)
        {
            failure = e.Message;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never leave the account stuck in "discovering": record a failure the user can see, then fail the job.
            LogUnexpected(logger, e, accountId);
            failure = "Discovery failed unexpectedly. An administrator can find the details in the logs and retry the job.";
        }

        // The account may have been removed while we scanned: then there is nothing left to update.
        db.ChangeTracker.Clear();
        account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, CancellationToken.None);
        if (account is null)
        {
            return;
        }
        if (failure is null)
        {
            account.CompleteDiscovery(clock.GetUtcNow(), warning);
        }
        else
        {
            account.FailDiscovery(failure);
        }
        await db.SaveChangesAsync(CancellationToken.None);
        progress.Update(account);
        await progress.PublishAsync(CancellationToken.None);
        LogFinished(logger, accountId, account.Status, progress.InstancesFound, progress.RegionsDone, progress.RegionsTotal);
        if (failure is not null)
        {
            // A failed job shows in the Hangfire dashboard, where an admin can retry it.
            throw new DiscoveryFailedException(failure);
        }
    }

    private async Task<ConcurrentDictionary<string, string>> ScanRegionsAsync(
        Guid accountId, IInventorySource source, IReadOnlyList<string> regions, Progress progress, CancellationToken ct)
    {
        var errors = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Clamp(awsOptions.Value.MaxConcurrentRegions, 1, 32),
            CancellationToken = ct,
        };
        await Parallel.ForEachAsync(regions, parallel, async (region, token) =>
        {
            var started = clock.GetUtcNow();
            try
            {
                await foreach (var page in source.ListInstancesAsync(region, token))
                {
                    await store.UpsertInstancesAsync(accountId, region, page, clock.GetUtcNow(), token);
                    await progress.AddInstancesAsync(page.Count, token);
                }
                var volumes = await source.ListVolumesAsync(region, token);
                var addresses = await source.ListAddressesAsync(region, token);
                await store.ReplaceVolumesAndAddressesAsync(accountId, region, volumes, addresses, clock.GetUtcNow(), token);
                // Only a complete scan may declare instances gone.
                await store.MarkGoneAsync(accountId, region, started, clock.GetUtcNow(), token);
            }
            catch (InventoryException e)
            {
                errors[region] = e.Message;
                LogRegionFailed(logger, e, accountId, region);
            }
            await progress.RegionDoneAsync(token);
        });
        return errors;
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, Guid accountId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(@key)", connection);
        command.Parameters.AddWithValue("key", BitConverter.ToInt64(accountId.ToByteArray(), 0));
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovery of account {AccountId} is already running; this run stops here")]
    private static partial void LogAlreadyRunning(ILogger logger, Guid accountId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discovery of account {AccountId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, Guid accountId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} no longer exists; nothing to discover")]
    private static partial void LogAccountGone(ILogger logger, Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discovery of account {AccountId} could not scan region {Region}")]
    private static partial void LogRegionFailed(ILogger logger, Exception exception, Guid accountId, string region);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovery of account {AccountId} finished: {Status}, {Instances} instances, {RegionsDone}/{RegionsTotal} regions")]
    private static partial void LogFinished(ILogger logger, Guid accountId, AccountStatus status, int instances, int regionsDone, int regionsTotal);

    /// <summary>Counts shared by the concurrent region scans; publishes at most a few events a second.</summary>
    private sealed class Progress(Account account, AccountEventPublisher events, TimeProvider clock)
    {
        private readonly Lock _gate = new();
        private int _instances;
        private int _regionsDone;
        private AccountStatus _status = account.Status;
        private string? _message = account.StatusMessage;
        private DateTimeOffset _lastPublished = DateTimeOffset.MinValue;

        public int RegionsTotal { get; set; }
        public int RegionsDone => _regionsDone;
        public int InstancesFound => _instances;

        public void Update(Account a)
        {
            _status = a.Status;
            _message = a.StatusMessage;
        }

        public Task AddInstancesAsync(int count, CancellationToken ct)
        {
            Interlocked.Add(ref _instances, count);
            return PublishThrottledAsync(ct);
        }

        public Task RegionDoneAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _regionsDone);
            return PublishAsync(ct);
        }

        private Task PublishThrottledAsync(CancellationToken ct)
        {
            lock (_gate)
            {
                if (clock.GetUtcNow() - _lastPublished < TimeSpan.FromMilliseconds(250))
                {
                    return Task.CompletedTask;
                }
                _lastPublished = clock.GetUtcNow();
            }
            return PublishAsync(ct);
        }

        public Task PublishAsync(CancellationToken ct) => events.PublishAsync(new AccountEvent(
            account.Id, account.OwnerId, _status, _message, _regionsDone, RegionsTotal, _instances, Removed: false, clock.GetUtcNow()), ct);
    }
}

public sealed class DiscoveryFailedException(string message) : Exception(message);
