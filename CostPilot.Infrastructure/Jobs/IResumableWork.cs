using Hangfire.Common;

namespace CostPilot.Infrastructure.Jobs;

/// <summary>
/// One kind of long-running work that a crash, a redeploy or a database restart can cut off: discovery first, utilization
/// and experiments next. Each kind says how to find its work left in progress, how to tell whether a live process is on it,
/// which Hangfire jobs are its, and how to resume it; <see cref="JobReconciler"/> does the rest, the same way for all.
/// </summary>
public interface IResumableWork
{
    /// <summary>A short name for logs, e.g. "discovery".</summary>
    string Kind { get; }

    /// <summary>The items whose records say the work is under way (for discovery: accounts discovering or interrupted).</summary>
    Task<IReadOnlyList<WorkItem>> FindInProgressAsync(CancellationToken ct);

    /// <summary>True while a live process works on the item: it holds the item's <see cref="WorkLease"/>.</summary>
    Task<bool> IsRunningAsync(WorkItem item, CancellationToken ct);

    /// <summary>Whether <paramref name="job"/> (a Hangfire job of any kind) works on <paramref name="item"/>.</summary>
    bool IsJobFor(Job job, WorkItem item);

    /// <summary>
    /// Records, and shows at once, that the item's work was cut off and resumes by itself. Returns false, changing nothing,
    /// when the item turns out to be running (or no longer in progress) after all.
    /// </summary>
    Task<bool> MarkInterruptedAsync(WorkItem item, Interruption cause, CancellationToken ct);

    /// <summary>Enqueues a new job for the item and returns its id.</summary>
    string Enqueue(WorkItem item);
}

/// <summary>One piece of long-running work, e.g. the discovery of one account.</summary>
public sealed record WorkItem(string Kind, Guid Id, string Label);

/// <summary>Why work stopped before it finished.</summary>
public enum Interruption
{
    /// <summary>The server running it stopped without a word (kill -9, out of memory, a lost machine).</summary>
    ServerLost,

    /// <summary>The server running it is shutting down (SIGTERM, docker stop, a redeploy).</summary>
    Shutdown,

    /// <summary>It lost its database connection (a database restart, a dropped connection).</summary>
    ConnectionLost,
}
