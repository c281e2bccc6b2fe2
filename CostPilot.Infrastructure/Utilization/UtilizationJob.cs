using CostPilot.Domain.Inventory;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Recommendations;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Infrastructure.Utilization;

/// <summary>
/// Reads the last 14 days of hourly CloudWatch metrics of an account's running instances, region by region, in batches that
/// each replace their rows; then evaluates the account's recommendations. Runs after every discovery, one per account at a time
/// (its lease), pushes its progress to open pages, and resumes after a crash like discovery does (<see cref="UtilizationWork"/>).
/// A missing permission is reported on the account and not retried; AWS throttling or unavailable everywhere is retried with backoff.
/// </summary>
public sealed partial class UtilizationJob(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    NpgsqlDataSource dataSource,
    UtilizationSourceFactory sources,
    UtilizationStore store,
    UtilizationWork work,
    RecommendationService recommendations,
    AccountEventPublisher events,
    IOptions<JobOptions> jobOptions,
    IOptions<UtilizationOptions> options,
    IOptions<RecommendationSettings> thresholds,
    TimeProvider clock,
    ILogger<UtilizationJob> logger)
{
    /// <summary>Instances asked of the source at a time: its calls batch them further (125 per CloudWatch call).</summary>
    public const int BatchSize = 500;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan InterruptTimeout = TimeSpan.FromSeconds(5);

    [JobDisplayName("Read utilization · {1}")]
    [AutomaticRetry(Attempts = 10, DelaysInSeconds = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
        OnlyOn = [typeof(TransientJobException)], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(Guid accountId, string label, CancellationToken ct)
    {
        try
        {
            await using var lease = await WorkLease.TryAcquireAsync(dataSource, UtilizationWork.LeaseKey(accountId),
                jobOptions.Value.EffectiveInvisibilityTimeout, ct);
            if (lease is null)
            {
                LogAlreadyRunning(logger, accountId);
                return;
            }
            using var leased = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
            try
            {
                await CollectAsync(accountId, lease, leased.Token);
            }
            catch (OperationCanceledException e) when (lease.Lost.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new WorkLeaseLostException($"Utilization of account {accountId} lost its lease.", e);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await InterruptQuietlyAsync(accountId, Interruption.Shutdown);
            throw;
        }
        catch (Exception e) when (TransientErrors.IsTransient(e) && e is not TransientJobException)
        {
            LogConnectionLost(logger, e, accountId);
            await InterruptQuietlyAsync(accountId, Interruption.ConnectionLost);
            throw new TransientJobException($"Utilization of account {accountId} lost its database connection; it is retried.", e);
        }
    }

    private async Task CollectAsync(Guid accountId, WorkLease lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null)
        {
            return;
        }
        var startedAt = clock.GetUtcNow();
        UtilizationRun run;
        await using (var start = await db.Database.BeginTransactionAsync(ct))
        {
            run = await UtilizationWork.LockRunAsync(db, accountId, ct) ?? db.UtilizationRuns.Add(new UtilizationRun(accountId)).Entity;
            if (run is { Status: UtilizationStatus.Collected, CollectedAt: { } collectedAt } && startedAt - collectedAt < options.Value.MinInterval)
            {
                // Read moments ago (CloudWatch bills every metric asked for): the inventory may have changed, the metrics hardly.
                LogRecent(logger, accountId, collectedAt);
                await start.RollbackAsync(ct);
                await recommendations.RefreshAsync(accountId, ct);
                await events.PublishAsync(AccountEvent.UtilizationChanged(account, UtilizationProgress.Of(run, 0, 0), clock.GetUtcNow()), ct);
                return;
            }
            run.Start(startedAt);
            await db.SaveChangesAsync(ct);
            await start.CommitAsync(ct);
        }

        var running = await db.Instances.AsNoTracking()
            .Where(i => i.AccountId == accountId && i.GoneAt == null && i.State == InstanceState.Running)
            .Select(i => new { i.Region, i.InstanceId })
            .ToListAsync(ct);
        var regions = running.GroupBy(i => i.Region, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(i => i.InstanceId).Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var progress = new Progress(account, running.Count, events, clock);
        await progress.PublishAsync(run, force: true, ct);

        var errors = new SortedDictionary<string, InventoryException>(StringComparer.Ordinal);
        var windowStart = UtilizationSeries.WindowStart(startedAt);
        if (regions.Count > 0)
        {
            var source = await sources.CreateAsync(account, ct);
            foreach (var (region, ids) in regions.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                var regionStart = progress.Done;
                try
                {
                    foreach (var batch in ids.Chunk(BatchSize))
                    {
                        var before = progress.Done;
                        var series = await source.GetHourlyAsync(region, batch, windowStart, UtilizationSeries.WindowHours,
                            new Reporter(n => progress.Done = before + n), ct);
                        await store.SaveAsync(accountId, region, series, startedAt, ct);
                        progress.Done = before + batch.Length;
                        await progress.PublishAsync(run, force: false, ct);
                    }
                }
                catch (InventoryException e)
                {
                    errors[region] = e;
                    LogRegionFailed(logger, e, accountId, region);
                    progress.Done = regionStart + ids.Count;
                }
            }
        }
        await store.PruneAsync(accountId, startedAt, [.. errors.Keys], ct);

        await lease.EnsureHeldAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
        await using (var finish = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            run = await UtilizationWork.LockRunAsync(db, accountId, CancellationToken.None) ?? throw new InvalidOperationException("The run row vanished.");
            var finishedAt = clock.GetUtcNow();
            if (regions.Count > 0 && errors.Count == regions.Count)
            {
                run.Fail(finishedAt, errors.Values.First().Message);
            }
            else
            {
                var withData = await db.InstanceUtilization.CountAsync(u => u.AccountId == accountId && u.HourlyPoints >= thresholds.Value.MinHourlyPoints, CancellationToken.None);
                run.Complete(finishedAt, running.Count, withData, errors.Count == 0 ? null
                    : $"{errors.Count} of {regions.Count} regions could not be read: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value.Message}")));
            }
            // The advice first, then the run's end: a page that sees the run done finds its recommendations.
            await recommendations.RefreshAsync(accountId, CancellationToken.None, run);
            await db.SaveChangesAsync(CancellationToken.None);
            await finish.CommitAsync(CancellationToken.None);
        }
        await progress.PublishAsync(run, force: true, CancellationToken.None);
        LogFinished(logger, accountId, run.Status, running.Count, run.InstancesWithData);

        // AWS itself was the trouble everywhere (throttled, unreachable): that passes, so the job is retried with backoff. A missing
        // permission or bad credentials do not pass by themselves: the account says what to fix, and the next scan tries again.
        if (run.Status == UtilizationStatus.Failed && errors.Values.All(e => e.Failure is InventoryFailure.Throttled or InventoryFailure.Unavailable))
        {
            throw new TransientJobException($"Utilization of account {accountId} could not reach CloudWatch; it is retried.", errors.Values.First());
        }
    }

    private async Task InterruptQuietlyAsync(Guid accountId, Interruption cause)
    {
        using var timeout = new CancellationTokenSource(InterruptTimeout);
        try
        {
            await work.InterruptAsync(accountId, cause, timeout.Token);
        }
        catch (Exception e)
        {
            LogInterruptNotRecorded(logger, e, accountId);
        }
    }

    /// <summary>Hears progress as it is reported (<see cref="Progress{T}"/> would post it later, possibly after a newer count).</summary>
    private sealed class Reporter(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    /// <summary>Publishes the run's state and progress: at its start and end, and at most once a second in between.</summary>
    private sealed class Progress(Domain.Accounts.Account account, int total, AccountEventPublisher events, TimeProvider clock)
    {
        private DateTimeOffset _last = DateTimeOffset.MinValue;

        public int Done { get; set; }

        public async Task PublishAsync(UtilizationRun run, bool force, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            if (!force && now - _last < ProgressEvery)
            {
                return;
            }
            _last = now;
            await events.PublishAsync(AccountEvent.UtilizationChanged(account,
                new UtilizationProgress(run.Status, run.Message, Math.Min(Done, total), total), now), ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Utilization of account {AccountId} is already being read; this run stops here")]
    private static partial void LogAlreadyRunning(ILogger logger, Guid accountId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Utilization of account {AccountId} was read at {CollectedAt:u}; advice re-evaluated without reading CloudWatch again")]
    private static partial void LogRecent(ILogger logger, Guid accountId, DateTimeOffset collectedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Utilization of account {AccountId} could not be read in region {Region}")]
    private static partial void LogRegionFailed(ILogger logger, Exception exception, Guid accountId, string region);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Utilization of account {AccountId} lost its database connection; the job is retried")]
    private static partial void LogConnectionLost(ILogger logger, Exception exception, Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mark the utilization run of account {AccountId} interrupted; reconciliation will")]
    private static partial void LogInterruptNotRecorded(ILogger logger, Exception exception, Guid accountId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Utilization of account {AccountId} finished: {Status}, {Instances} running instances, {WithData} with enough data")]
    private static partial void LogFinished(ILogger logger, Guid accountId, UtilizationStatus status, int instances, int withData);
}
