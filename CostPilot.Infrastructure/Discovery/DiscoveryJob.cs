using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Observability;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Utilization;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>
/// Scans every enabled region of one account (bounded concurrency), upserts what it finds a page at a
/// time, marks what vanished, and reports progress live. Safe to retry and to run twice: a second
/// run for the same account while one is going simply returns. A run cut off by a shutdown or a lost
/// database connection marks the account interrupted and comes back (Hangfire requeues or retries it);
/// one whose server died is found by <see cref="JobReconciler"/>. Either way the next run resumes it.
/// </summary>
public sealed partial class DiscoveryJob(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    NpgsqlDataSource dataSource,
    InventorySourceFactory sources,
    InventoryStore store,
    InventoryPricer pricer,
    AccountEventPublisher events,
    DiscoveryWork work,
    UtilizationScheduler utilization,
    CostPilotMetrics metrics,
    IOptions<AwsOptions> awsOptions,
    IOptions<JobOptions> jobOptions,
    TimeProvider clock,
    ILogger<DiscoveryJob> logger)
{
    /// <summary>How long marking an account interrupted may take while its job is on the way out.</summary>
    private static readonly TimeSpan InterruptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The label only names the job in the dashboard; the id is what the job works on.</summary>
    [JobDisplayName("Discover EC2 · {1}")]
    // Only a failure that goes away by itself (the database restarting) is retried, with backoff (about 2 hours in all);
    // a discovery that failed for a reason the user must fix stays failed, retried from the dashboard.
    [AutomaticRetry(Attempts = 10, DelaysInSeconds = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
        OnlyOn = [typeof(TransientJobException)], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(Guid accountId, string label, CancellationToken ct)
    {
        // One span per run (under the job's span when Hangfire runs it): every AWS call and database command nests in it.
        using var activity = CostPilotTelemetry.ActivitySource.StartActivity("costpilot.discovery");
        activity?.SetTag(CostPilotTelemetry.AccountIdTag, accountId);
        try
        {
            await DiscoverAsync(accountId, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The server is shutting down (SIGTERM, docker stop): Hangfire puts the job back in its queue for the next
            // server or start. Meanwhile the account says so instead of staying "discovering".
            LogInterrupted(logger, accountId);
            await InterruptQuietlyAsync(accountId, Interruption.Shutdown);
            throw;
        }
        catch (Exception e) when (TransientErrors.IsTransient(e))
        {
            LogConnectionLost(logger, e, accountId);
            await InterruptQuietlyAsync(accountId, Interruption.ConnectionLost);
            throw new TransientJobException($"Discovery of account {accountId} lost its database connection; it is retried.", e);
        }
    }

    private async Task DiscoverAsync(Guid accountId, CancellationToken ct)
    {
        await using var lease = await WorkLease.TryAcquireAsync(dataSource, DiscoveryWork.LeaseKey(accountId),
            jobOptions.Value.EffectiveInvisibilityTimeout, ct);
        if (lease is null)
        {
            LogAlreadyRunning(logger, accountId);
            return;
        }
        // A run whose lease ended (its connection dropped) stops: another run may take over the account.
        using var leased = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
        try
        {
            await DiscoverLeasedAsync(accountId, lease, leased.Token);
        }
        catch (OperationCanceledException e) when (lease.Lost.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new WorkLeaseLostException($"Discovery of account {accountId} lost its lease.", e);
        }
    }

    private async Task DiscoverLeasedAsync(Guid accountId, WorkLease lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        Account? account;
        await using (var start = await db.Database.BeginTransactionAsync(ct))
        {
            // Under the row lock, so a reconciler marking the account interrupted either came first (and is resumed
            // from here) or sees this run's lease.
            account = await DiscoveryWork.LockAccountAsync(db, accountId, ct);
            if (account is null)
            {
                LogAccountGone(logger, accountId);
                return;
            }
            if (account.IsDiscoveryInProgress)
            {
                // A run cut off earlier (the lease proves nobody else runs it): what it stored stays, this scan redoes it.
                account.ResumeDiscovery();
            }
            else
            {
                account.StartDiscovery();
            }
            account.RecordDiscoveryProgress(clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
            await start.CommitAsync(ct);
        }
        var started = clock.GetTimestamp();
        var progress = new Progress(account, events, dbFactory, clock);
        await progress.PublishAsync(ct);

        string? failure = null;
        string? warning = null;
        IReadOnlyList<string>? regions = null;
        try
        {
            var source = await sources.CreateAsync(account, ct);
            var (listed, regionErrors) = await ScanRegionsAsync(account.Id, source, [.. account.EnabledRegions], progress, ct);
            regions = listed;
            if (regions.Count > 0 && regionErrors.Count == regions.Count)
            {
                failure = $"No region could be scanned. {regionErrors.OrderBy(e => e.Key, StringComparer.Ordinal).First().Value}";
            }
            else if (regionErrors.Count > 0)
            {
                warning = $"{regionErrors.Count} of {regions.Count} regions could not be scanned: " +
                    string.Join("; ", regionErrors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value}"));
            }
            if (failure is null && !progress.SpotPriceErrors.IsEmpty)
            {
                var spot = "Spot prices could not be read, so spot instances show \"price unknown\": " +
                    string.Join("; ", progress.SpotPriceErrors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value}"));
                warning = warning is null ? spot : $"{warning} {spot}";
            }
        }
        catch (InventoryException e)
        {
            failure = e.Message;
        }
        catch (Exception e) when (e is not OperationCanceledException && !TransientErrors.IsTransient(e))
        {
            // Never leave the account stuck in "discovering": record a failure the user can see, then fail the job.
            // (A lost database connection is not a failure: the job is retried and resumes the scan.)
            LogUnexpected(logger, e, accountId);
            failure = "Discovery failed unexpectedly. An administrator can find the details in the logs and retry the job.";
        }

        // Only the run that still holds the lease may say how the scan ended.
        await lease.EnsureHeldAsync(CancellationToken.None);
        // The account may have been removed while we scanned: then there is nothing left to update.
        db.ChangeTracker.Clear();
        account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, CancellationToken.None);
        if (account is null)
        {
            return;
        }
        if (regions is not null)
        {
            account.RecordEnabledRegions(regions);
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
        await pricer.RecordSnapshotAsync(accountId, clock.GetUtcNow(), CancellationToken.None);
        progress.Update(account);
        await progress.PublishAsync(CancellationToken.None);
        LogFinished(logger, accountId, account.Status, progress.InstancesFound, progress.RegionsDone, progress.RegionsTotal);
        metrics.DiscoveryCompleted(clock.GetElapsedTime(started), progress.InstancesFound, failure is null ? "succeeded" : "failed");
        Activity.Current?.SetTag("costpilot.discovery.instances", progress.InstancesFound);
        if (failure is not null)
        {
            // A failed job shows in the Hangfire dashboard, where an admin can retry it.
            throw new DiscoveryFailedException(failure);
        }
        // Utilization of what is running now, then recommendations: a job of its own, retried on its own.
        utilization.Enqueue(accountId, DiscoveryScheduler.Label(account.Name, account.AwsAccountId));
    }

    /// <summary>Shows the account as interrupted while its job goes back to Hangfire; a failure here only delays that.</summary>
    private async Task InterruptQuietlyAsync(Guid accountId, Interruption cause)
    {
        using var timeout = new CancellationTokenSource(InterruptTimeout);
        try
        {
            await work.InterruptAsync(accountId, cause, timeout.Token);
        }
        catch (Exception e)
        {
            // The database may be the very thing that is gone: reconciliation marks the account once it is back.
            LogInterruptNotRecorded(logger, e, accountId);
        }
    }

    /// <summary>
    /// Scans the regions AWS lists as enabled, a few at a time. The regions known from the last run start at once, while
    /// DescribeRegions is still on its way; the list then adds the new ones and drops (cancels, forgets) the disabled ones.
    /// </summary>
    private async Task<(IReadOnlyList<string> Regions, Dictionary<string, string> Errors)> ScanRegionsAsync(
        Guid accountId, IInventorySource source, List<string> known, Progress progress, CancellationToken ct)
    {
        var errors = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var running = new ConcurrentDictionary<string, CancellationTokenSource>(StringComparer.Ordinal);
        var dropped = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var finished = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var queue = Channel.CreateUnbounded<string>();
        using var all = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Clamp(awsOptions.Value.MaxConcurrentRegions, 1, 32),
            CancellationToken = all.Token,
        };
        foreach (var region in known)
        {
            queue.Writer.TryWrite(region);
        }
        progress.RegionsTotal = known.Count;
        var scans = Parallel.ForEachAsync(queue.Reader.ReadAllAsync(all.Token), parallel, async (region, token) =>
        {
            using var regionScan = CancellationTokenSource.CreateLinkedTokenSource(token);
            // Registered before the check, so a region dropped in between is still found and cancelled.
            running[region] = regionScan;
            try
            {
                if (dropped.ContainsKey(region))
                {
                    return;
                }
                await ScanRegionAsync(accountId, source, region, progress, regionScan.Token);
            }
            catch (InventoryException e) when (!dropped.ContainsKey(region))
            {
                errors[region] = e.Message;
                LogRegionFailed(logger, e, accountId, region);
            }
            catch (Exception) when (dropped.ContainsKey(region) && !token.IsCancellationRequested)
            {
                // No longer enabled: whatever this scan met does not count.
                return;
            }
            finally
            {
                running.TryRemove(region, out _);
            }
            finished[region] = true;
            if (!dropped.ContainsKey(region))
            {
                await progress.RegionDoneAsync(token);
            }
        });

        IReadOnlyList<string> regions;
        try
        {
            regions = await source.ListRegionsAsync(ct);
        }
        catch
        {
            queue.Writer.TryComplete();
            await all.CancelAsync();
            await Quietly(scans);
            throw;
        }
        var listed = regions.ToHashSet(StringComparer.Ordinal);
        foreach (var region in known.Where(r => !listed.Contains(r)))
        {
            dropped[region] = true;
            if (running.TryGetValue(region, out var scan))
            {
                await CancelQuietly(scan);
            }
        }
        foreach (var region in regions.Where(r => !known.Contains(r, StringComparer.Ordinal)))
        {
            queue.Writer.TryWrite(region);
        }
        progress.RegionsTotal = regions.Count;
        await progress.PublishAsync(ct);
        queue.Writer.TryComplete();
        await scans;
        // A dropped region may have failed or finished before the list came back: it counts for nothing.
        progress.RegionsDone = finished.Keys.Count(listed.Contains);
        return (regions, errors.Where(e => listed.Contains(e.Key)).ToDictionary(StringComparer.Ordinal));
    }

    private static async Task CancelQuietly(CancellationTokenSource scan)
    {
        try
        {
            await scan.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // That scan just ended.
        }
    }

    /// <summary>
    /// One region: volumes and addresses are listed while instances page; the next page is fetched while the last one is
    /// saved, and only new or changed instances are written. Only a complete scan may declare instances gone, replace the
    /// volumes and addresses, and count as the region's last sighting of its unchanged instances.
    /// </summary>
    private async Task ScanRegionAsync(Guid accountId, IInventorySource source, string region, Progress progress, CancellationToken ct)
    {
        using var scan = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var volumes = source.ListVolumesAsync(region, scan.Token);
        var addresses = source.ListAddressesAsync(region, scan.Token);
        SpotPriceRequest? knownSpot = null;
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var spotTypes = new HashSet<string>(StringComparer.Ordinal);
            await using var pages = source.ListInstancesAsync(region, scan.Token).GetAsyncEnumerator(scan.Token);
            var next = pages.MoveNextAsync().AsTask();
            Dictionary<string, Guid?> stored;
            try
            {
                // Read what is stored while the first page is on its way, and ask for the spot prices of the spot types the last
                // scan found: on a rescan they are known by the time the pages end.
                var storedRegion = await store.LoadLiveHashesAsync(accountId, region, scan.Token);
                stored = storedRegion.Hashes;
                if (storedRegion.RunningSpotTypes.Count > 0)
                {
                    knownSpot = new SpotPriceRequest(storedRegion.RunningSpotTypes,
                        source.ListSpotPricesAsync(region, storedRegion.RunningSpotTypes, scan.Token));
                }
                while (await next)
                {
                    var page = pages.Current;
                    next = pages.MoveNextAsync().AsTask();
                    var added = new List<(DiscoveredInstance, Guid)>();
                    var changed = new List<(DiscoveredInstance, Guid)>();
                    var found = 0;
                    foreach (var instance in page)
                    {
                        InventoryLimits.Check(instance, region);
                        // A page may repeat an instance (it changed while we paged): the first sighting counts.
                        if (!seen.Add(instance.InstanceId))
                        {
                            continue;
                        }
                        found++;
                        if (instance.Lifecycle == "spot" && instance.State == InstanceState.Running.Value)
                        {
                            spotTypes.Add(instance.InstanceType);
                        }
                        var hash = InventoryStore.ContentHash(instance);
                        if (!stored.Remove(instance.InstanceId, out var storedHash))
                        {
                            added.Add((instance, hash));
                        }
                        else if (storedHash != hash)
                        {
                            changed.Add((instance, hash));
                        }
                    }
                    await store.SavePageAsync(accountId, region, added, changed, clock.GetUtcNow(), scan.Token);
                    await progress.AddInstancesAsync(found, scan.Token);
                }
            }
            catch
            {
                // An enumerator may not be disposed while a page is still being fetched.
                await scan.CancelAsync();
                await Quietly(next);
                throw;
            }
            var regionVolumes = await volumes;
            var regionAddresses = await addresses;
            foreach (var volume in regionVolumes)
            {
                InventoryLimits.Check(volume, region);
            }
            foreach (var address in regionAddresses)
            {
                InventoryLimits.Check(address, region);
            }
            var spotPrices = await SpotPricesAsync(source, region, spotTypes, knownSpot, progress, ct);
            // The scan is complete: what was stored as live and not met this time is gone.
            await store.CompleteRegionAsync(accountId, region, stored.Keys, regionVolumes, regionAddresses, clock.GetUtcNow(), ct);
            // Written instances, volumes and addresses were priced as they were written; running spot instances are priced now, at
            // the latest spot price of their zone.
            if (spotTypes.Count > 0)
            {
                await pricer.PriceSpotAsync(accountId, region, spotPrices, ct);
            }
        }
        finally
        {
            await scan.CancelAsync();
            await Quietly(volumes);
            await Quietly(addresses);
            if (knownSpot is not null)
            {
                await Quietly(knownSpot.Prices);
            }
        }
    }

    /// <summary>Spot prices asked for the spot types a region had at its last scan, before this scan's pages are read.</summary>
    private sealed record SpotPriceRequest(HashSet<string> Types, Task<IReadOnlyList<DiscoveredSpotPrice>> Prices);

    /// <summary>
    /// The latest spot prices for the region's running spot instances. A failure (a role made before CostPilot asked for
    /// ec2:DescribeSpotPriceHistory) does not fail the region: its spot instances show "price unknown" and the status says why.
    /// </summary>
    private async Task<SpotPrices> SpotPricesAsync(IInventorySource source, string region, HashSet<string> types, SpotPriceRequest? known,
        Progress progress, CancellationToken ct)
    {
        if (types.Count == 0)
        {
            return SpotPrices.None;
        }
        try
        {
            // The request made at the start covers this scan's types unless a spot type is new: then ask again for all of them.
            return new SpotPrices(known is not null && types.IsSubsetOf(known.Types)
                ? await known.Prices
                : await source.ListSpotPricesAsync(region, types, ct));
        }
        catch (InventoryException e)
        {
            LogSpotPricesFailed(logger, e, region);
            progress.SpotPriceErrors[region] = e.Message;
            return SpotPrices.None;
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Observed here only so it is not left unobserved; the failure that matters was already thrown.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovery of account {AccountId} is already running; this run stops here")]
    private static partial void LogAlreadyRunning(ILogger logger, Guid accountId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discovery of account {AccountId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, Guid accountId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} no longer exists; nothing to discover")]
    private static partial void LogAccountGone(ILogger logger, Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discovery of account {AccountId} could not scan region {Region}")]
    private static partial void LogRegionFailed(ILogger logger, Exception exception, Guid accountId, string region);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spot prices in {Region} could not be read")]
    private static partial void LogSpotPricesFailed(ILogger logger, Exception exception, string region);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discovery of account {AccountId} was interrupted by a shutdown; the job goes back to the queue")]
    private static partial void LogInterrupted(ILogger logger, Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discovery of account {AccountId} lost its database connection; the job is retried")]
    private static partial void LogConnectionLost(ILogger logger, Exception exception, Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mark the discovery of account {AccountId} interrupted; reconciliation will")]
    private static partial void LogInterruptNotRecorded(ILogger logger, Exception exception, Guid accountId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovery of account {AccountId} finished: {Status}, {Instances} instances, {RegionsDone}/{RegionsTotal} regions")]
    private static partial void LogFinished(ILogger logger, Guid accountId, AccountStatus status, int instances, int regionsDone, int regionsTotal);

    /// <summary>
    /// Counts shared by the concurrent region scans; publishes at most a few events a second, and records on the account at
    /// most every <see cref="RecordInterval"/> that the scan is progressing (what "Rescan now" goes by).
    /// </summary>
    private sealed class Progress(Account account, AccountEventPublisher events, IDbContextFactory<CostPilotDbContext> dbFactory, TimeProvider clock)
    {
        private static readonly TimeSpan RecordInterval = TimeSpan.FromSeconds(10);

        private readonly Lock _gate = new();
        private DateTimeOffset _lastRecorded = account.DiscoveryProgressAt ?? DateTimeOffset.MinValue;
        private int _instances;
        private int _regionsDone;
        private AccountStatus _status = account.Status;
        private string? _message = account.StatusMessage;
        private DateTimeOffset _lastPublished = DateTimeOffset.MinValue;

        public int RegionsTotal { get; set; }

        /// <summary>Region → why its spot prices could not be read.</summary>
        public ConcurrentDictionary<string, string> SpotPriceErrors { get; } = new(StringComparer.Ordinal);

        public int RegionsDone
        {
            get => _regionsDone;
            set => _regionsDone = value;
        }

        public int InstancesFound => _instances;

        public void Update(Account a)
        {
            _status = a.Status;
            _message = a.StatusMessage;
        }

        public async Task AddInstancesAsync(int count, CancellationToken ct)
        {
            Interlocked.Add(ref _instances, count);
            await PublishThrottledAsync(ct);
            await RecordThrottledAsync(ct);
        }

        public async Task RegionDoneAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _regionsDone);
            await PublishAsync(ct);
            await RecordThrottledAsync(ct);
        }

        private async Task RecordThrottledAsync(CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            lock (_gate)
            {
                if (now - _lastRecorded < RecordInterval)
                {
                    return;
                }
                _lastRecorded = now;
            }
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await db.Accounts.Where(a => a.Id == account.Id && a.Status == AccountStatus.Discovering)
                .ExecuteUpdateAsync(set => set.SetProperty(a => a.DiscoveryProgressAt, now), ct);
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

        public Task PublishAsync(CancellationToken ct) => events.PublishAsync(
            AccountEvent.Progress(account, _status, _message, _regionsDone, RegionsTotal, _instances, clock.GetUtcNow()), ct);
    }
}

public sealed class DiscoveryFailedException(string message) : Exception(message);
