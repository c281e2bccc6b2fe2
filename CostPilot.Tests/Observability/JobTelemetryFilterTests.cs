using System.Diagnostics.Metrics;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Observability;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.Common;
using Hangfire.Server;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Observability;

/// <summary>
/// The job filter counts the runs that failed (<c>costpilot.jobs.failed</c>, by job type), not the ones that succeeded. Only
/// this app's meter is listened to (the meters of other apps in the process have another scope).
/// </summary>
public sealed class JobTelemetryFilterTests(CostPilotAppFactory app) : IClassFixture<CostPilotAppFactory>
{
    [Fact]
    public void OnPerformed_OneRunFailsOneSucceeds_CountsOneFailureOfThatJobType()
    {
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        var failures = new List<(long Value, object? JobType)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == CostPilotMetrics.JobsFailed)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (failures)
            {
                failures.Add((value, tags.ToArray().Single(t => t.Key == CostPilotTelemetry.JobTypeTag).Value));
            }
        });
        listener.Start();
        var filter = app.Services.GetRequiredService<JobTelemetryFilter>();
        var storage = app.Services.GetRequiredService<JobStorage>();
        using var connection = storage.GetConnection();
        var accountId = Guid.NewGuid();
        var job = Job.FromExpression<DiscoveryJob>(j => j.RunAsync(accountId, "test", CancellationToken.None));
        var run = new PerformContext(storage, connection, new BackgroundJob("42", job, DateTime.UtcNow), new JobCancellationToken(canceled: false));

        filter.OnPerforming(new PerformingContext(run));
        filter.OnPerformed(new PerformedContext(run, null, canceled: false, new InvalidOperationException("boom")));
        filter.OnPerforming(new PerformingContext(run));
        filter.OnPerformed(new PerformedContext(run, null, canceled: false, exception: null));

        Assert.Equal([(1L, (object?)"DiscoveryJob")], failures);
        Assert.Equal(accountId, JobTelemetryFilter.Argument(job, "accountId"));
    }
}
