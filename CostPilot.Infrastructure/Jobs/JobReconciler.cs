using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Hangfire.Storage.Monitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CostPilot.Infrastructure.Jobs;

/// <summary>What reconciliation found for one item left in progress.</summary>
public enum ReconcileOutcome
{
    /// <summary>A live process holds its lease: nothing to do.</summary>
    Running,

    /// <summary>A worker started its job moments ago and is about to take the lease: nothing to do yet.</summary>
    Starting,

    /// <summary>Marked interrupted; its job is still in Hangfire (waiting, retrying, or abandoned by a dead server) and comes back by itself.</summary>
    Resuming,

    /// <summary>Marked interrupted; no job would ever come back for it, so a new one was enqueued.</summary>
    Requeued,
}

public sealed record Reconciled(string Kind, Guid Id, ReconcileOutcome Outcome, string? JobId);

/// <summary>
/// Finds long-running work left in progress with nobody on it and resumes it, for every <see cref="IResumableWork"/> kind.
/// Runs when a node starts and every minute from the health monitor. For each item in progress whose lease nobody holds:
/// <list type="bullet">
/// <item>its job was started by a worker within <see cref="JobOptions.StartGrace"/>: leave it, it is taking its lease;</item>
/// <item>its job is still in Hangfire (waiting in a queue, scheduled for a retry, or fetched by a server that has since
/// died, which Hangfire hands out again after <see cref="JobOptions.InvisibilityTimeout"/>): mark the item interrupted, so
/// pages say so, and let that job resume it (a second job would only duplicate it);</item>
/// <item>no job will ever come back for it (it failed, was deleted, or expired): mark it interrupted and enqueue a new one.</item>
/// </list>
/// </summary>
public sealed partial class JobReconciler(
    IEnumerable<IResumableWork> kinds,
    JobStorage storage,
    TimeProvider clock,
    IOptions<JobOptions> options,
    ILogger<JobReconciler> logger)
{
    private const int PageSize = 500;

    public async Task<IReadOnlyList<Reconciled>> ReconcileAsync(CancellationToken ct)
    {
        var results = new List<Reconciled>();
        var orphans = new List<(IResumableWork Kind, WorkItem Item)>();
        foreach (var kind in kinds)
        {
            foreach (var item in await kind.FindInProgressAsync(ct))
            {
                if (await kind.IsRunningAsync(item, ct))
                {
                    results.Add(new(item.Kind, item.Id, ReconcileOutcome.Running, null));
                }
                else
                {
                    orphans.Add((kind, item));
                }
            }
        }
        if (orphans.Count == 0)
        {
            return results;
        }

        // Only now ask Hangfire: most minutes nothing is left in progress.
        var jobs = ReadUnfinishedJobs();
        var startedSince = clock.GetUtcNow().UtcDateTime - options.Value.StartGrace;
        foreach (var (kind, item) in orphans)
        {
            var mine = jobs.Where(j => kind.IsJobFor(j.Job, item)).ToList();
            if (mine.Any(j => IsStarting(j, startedSince)))
            {
                results.Add(new(item.Kind, item.Id, ReconcileOutcome.Starting, null));
                continue;
            }
            if (!await kind.MarkInterruptedAsync(item, Interruption.ServerLost, ct))
            {
                // It took its lease (or finished) meanwhile.
                results.Add(new(item.Kind, item.Id, ReconcileOutcome.Running, null));
                continue;
            }
            if (mine.FirstOrDefault(j => j.ComesBack) is { } job)
            {
                LogResuming(logger, item.Kind, item.Label, job.Id, job.Where, job.State);
                results.Add(new(item.Kind, item.Id, ReconcileOutcome.Resuming, job.Id));
                continue;
            }
            var id = kind.Enqueue(item);
            LogRequeued(logger, item.Kind, item.Label, id);
            results.Add(new(item.Kind, item.Id, ReconcileOutcome.Requeued, id));
        }
        return results;
    }

    private bool IsStarting(UnfinishedJob job, DateTime startedSince)
    {
        if (job.Where != JobPlace.Fetched)
        {
            return false;
        }
        if (job.State == EnqueuedState.StateName)
        {
            // Fetched a moment ago; the worker has not marked it Processing yet.
            return true;
        }
        if (job.State != ProcessingState.StateName)
        {
            return false;
        }
        using var connection = storage.GetConnection();
        var state = connection.GetStateData(job.Id);
        return state?.Name == ProcessingState.StateName
            && state.Data.TryGetValue("StartedAt", out var text)
            && JobHelper.DeserializeNullableDateTime(text) is { } startedAt
            && startedAt >= startedSince;
    }

    /// <summary>Every job Hangfire may still run: waiting in a queue, fetched by a worker (live or dead), or scheduled.</summary>
    private List<UnfinishedJob> ReadUnfinishedJobs()
    {
        var monitoring = storage.GetMonitoringApi();
        var jobs = new List<UnfinishedJob>();
        foreach (var queue in monitoring.Queues())
        {
            Page((from, count) => monitoring.EnqueuedJobs(queue.Name, from, count), (id, dto) => Add(id, dto.Job, dto.State, JobPlace.Waiting));
            Page((from, count) => monitoring.FetchedJobs(queue.Name, from, count), (id, dto) => Add(id, dto.Job, dto.State, JobPlace.Fetched));
        }
        Page(monitoring.ScheduledJobs, (id, dto) => Add(id, dto.Job, ScheduledState.StateName, JobPlace.Scheduled));
        return jobs;

        void Add(string id, Job? job, string? state, JobPlace where)
        {
            // A job whose type no longer loads is none of ours.
            if (job is not null)
            {
                jobs.Add(new UnfinishedJob(id, job, state, where));
            }
        }
    }

    private static void Page<TDto>(Func<int, int, JobList<TDto>> read, Action<string, TDto> add)
    {
        for (var from = 0; ; from += PageSize)
        {
            var page = read(from, PageSize);
            foreach (var (id, dto) in page)
            {
                if (dto is not null)
                {
                    add(id, dto);
                }
            }
            if (page.Count < PageSize)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Interrupted {Kind} of {Item}: its job {JobId} ({Where}, {State}) resumes it")]
    private static partial void LogResuming(ILogger logger, string kind, string item, string jobId, JobPlace where, string? state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Interrupted {Kind} of {Item} had no job left to resume it; enqueued job {JobId}")]
    private static partial void LogRequeued(ILogger logger, string kind, string item, string jobId);

    private enum JobPlace
    {
        Waiting,
        Fetched,
        Scheduled,
    }

    private sealed record UnfinishedJob(string Id, Job Job, string? State, JobPlace Where)
    {
        /// <summary>
        /// Hangfire will run it (again): waiting or scheduled, or fetched and Processing, whose worker either finishes it or,
        /// if dead, stops refreshing its claim, so that it is handed out again.
        /// </summary>
        public bool ComesBack => Where switch
        {
            JobPlace.Scheduled => true,
            JobPlace.Waiting => State == EnqueuedState.StateName || State == ProcessingState.StateName,
            _ => State == ProcessingState.StateName,
        };
    }
}
