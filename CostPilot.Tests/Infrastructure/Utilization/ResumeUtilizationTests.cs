using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Utilization;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Utilization;

/// <summary>
/// A utilization run cut off mid-way (its server died) is found by the same reconciliation as discovery: marked interrupted and
/// a job enqueued, exactly once; a run whose job holds its lease is left alone. No job server runs here.
/// </summary>
public sealed class ResumeUtilizationTests(FakeAwsAppFactory app) : IClassFixture<FakeAwsAppFactory>
{
    [Fact]
    public async Task Reconcile_RunLeftCollectingWithNoJob_InterruptedAndExactlyOneJobEnqueued()
    {
        var (_, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        await SetCollectingAsync(accountId);

        var first = await ReconcileAsync(accountId);
        var second = await ReconcileAsync(accountId);

        Assert.Equal(ReconcileOutcome.Requeued, first.Outcome);
        Assert.Equal((ReconcileOutcome.Resuming, first.JobId), (second.Outcome, second.JobId));
        Assert.Equal(1, UtilizationJobs(accountId));
        await using var db = await app.CreateDbContextAsync();
        var run = await db.UtilizationRuns.SingleAsync(r => r.AccountId == accountId);
        Assert.Equal((UtilizationStatus.Interrupted, UtilizationWork.MessageFor(Interruption.ServerLost)), (run.Status, run.Message));
    }

    [Fact]
    public async Task Reconcile_RunHoldingItsLease_LeftAlone()
    {
        var (_, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        await SetCollectingAsync(accountId);

        await using (var lease = await WorkLease.TryAcquireAsync(app.Services.GetRequiredService<NpgsqlDataSource>(),
            UtilizationWork.LeaseKey(accountId), TimeSpan.FromMinutes(1), CancellationToken.None))
        {
            Assert.NotNull(lease);
            Assert.Equal(ReconcileOutcome.Running, (await ReconcileAsync(accountId)).Outcome);
        }

        Assert.Equal(0, UtilizationJobs(accountId));
    }

    [Fact]
    public void LeaseKey_NeverTheDiscoveryKeyOfTheSameAccount()
    {
        for (var i = 0; i < 1000; i++)
        {
            var id = Guid.NewGuid();
            Assert.NotEqual(CostPilot.Infrastructure.Discovery.DiscoveryWork.LeaseKey(id), UtilizationWork.LeaseKey(id));
        }
    }

    private async Task<Reconciled> ReconcileAsync(Guid accountId) =>
        Assert.Single(await app.Services.GetRequiredService<JobReconciler>().ReconcileAsync(CancellationToken.None),
            r => r.Id == accountId && r.Kind == UtilizationWork.KindName);

    /// <summary>What a utilization run cut off mid-way leaves behind: its row says collecting, nobody holds its lease.</summary>
    private Task<int> SetCollectingAsync(Guid accountId) =>
        app.ExecuteAsync("""
            INSERT INTO utilization_runs (account_id, status, started_at, instances_asked, instances_with_data)
            VALUES (@id, 'Collecting', now(), 0, 0)
            """, ("id", accountId));

    private int UtilizationJobs(Guid accountId)
    {
        var monitoring = app.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        return monitoring.EnqueuedJobs("default", 0, 1000)
            .Count(j => j.Value.Job?.Type == typeof(UtilizationJob) && j.Value.Job.Args is [Guid id, ..] && id == accountId);
    }
}
