using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CostPilot.Infrastructure.Jobs;

/// <summary>
/// Reconciles long-running work once when the node starts, before its job server does: an account a crash or a forced
/// redeploy left "discovering" says "interrupted — resuming" from the first page load, and work that no job would bring back
/// is enqueued again. The health monitor repeats this every minute.
/// </summary>
internal sealed partial class StartupReconciliation(JobReconciler reconciler, ILogger<StartupReconciliation> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await reconciler.ReconcileAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never keep the node from starting: the health monitor tries again within a minute.
            LogFailed(logger, e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reconcile interrupted work at start-up; the health monitor retries within a minute")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
