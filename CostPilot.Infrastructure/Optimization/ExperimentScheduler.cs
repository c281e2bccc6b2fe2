using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using Hangfire;

namespace CostPilot.Infrastructure.Optimization;

/// <summary>Enqueues experiment jobs: when a client applies a recommendation, and when reconciliation resumes one.</summary>
public sealed class ExperimentScheduler(IBackgroundJobClient jobs)
{
    /// <summary>"Rightsize i-0abc (m5.xlarge → m5.large)", "Stop idle instance i-0abc (t3.large)": the job's name in the dashboard.</summary>
    public static string Label(Experiment experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        var change = experiment.ToType is { } to ? $"{experiment.FromType} → {to}" : experiment.FromType;
        return $"{experiment.Kind.Title()} {experiment.InstanceId} ({change})";
    }

    public string Enqueue(Guid experimentId, string label) =>
        jobs.Enqueue<ExperimentJob>(j => j.RunAsync(experimentId, label, CancellationToken.None));
}
