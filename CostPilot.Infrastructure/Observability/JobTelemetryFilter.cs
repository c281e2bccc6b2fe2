using System.Diagnostics;
using Hangfire.Common;
using Hangfire.Server;

namespace CostPilot.Infrastructure.Observability;

/// <summary>
/// A span per job run (tagged with the job's type and, when it works on one, the account id), and a count of runs that
/// failed. Given to this app's job server only (<c>BackgroundJobServerOptions.FilterProvider</c>), never to Hangfire's
/// process-wide filter list: with several apps in one process each counts its own runs.
/// </summary>
public sealed class JobTelemetryFilter(CostPilotMetrics metrics) : JobFilterAttribute, IServerFilter
{
    private const string ActivityKey = "costpilot.activity";

    public void OnPerforming(PerformingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var job = context.BackgroundJob.Job;
        var activity = CostPilotTelemetry.ActivitySource.StartActivity($"job {job.Type.Name}", ActivityKind.Internal);
        if (activity is null)
        {
            return;
        }
        activity.SetTag(CostPilotTelemetry.JobTypeTag, job.Type.Name);
        activity.SetTag("costpilot.job.id", context.BackgroundJob.Id);
        if (Argument(job, "accountId") is { } accountId)
        {
            activity.SetTag(CostPilotTelemetry.AccountIdTag, accountId);
        }
        if (Argument(job, "experimentId") is { } experimentId)
        {
            activity.SetTag("costpilot.experiment.id", experimentId);
        }
        context.Items[ActivityKey] = activity;
    }

    public void OnPerformed(PerformedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failed = context.Exception is not null && !context.ExceptionHandled && !context.Canceled;
        if (failed)
        {
            metrics.JobFailed(context.BackgroundJob.Job.Type.Name);
        }
        if (context.Items.TryGetValue(ActivityKey, out var item) && item is Activity activity)
        {
            if (failed)
            {
                activity.SetStatus(ActivityStatusCode.Error, context.Exception!.GetType().Name);
            }
            activity.Dispose();
        }
    }

    /// <summary>The job's id argument of that name, when its method has one (<c>accountId</c>: discovery, utilization).</summary>
    internal static Guid? Argument(Job job, string name)
    {
        var parameters = job.Method.GetParameters();
        for (var i = 0; i < parameters.Length && i < job.Args.Count; i++)
        {
            if (parameters[i].Name == name && job.Args[i] is Guid id)
            {
                return id;
            }
        }
        return null;
    }
}
