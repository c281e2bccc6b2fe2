using Hangfire;

namespace CostPilot.Infrastructure.Utilization;

/// <summary>Enqueues utilization jobs: after every discovery that finished, and when reconciliation resumes one.</summary>
public sealed class UtilizationScheduler(IBackgroundJobClient jobs)
{
    public string Enqueue(Guid accountId, string label) =>
        jobs.Enqueue<UtilizationJob>(j => j.RunAsync(accountId, label, CancellationToken.None));
}
