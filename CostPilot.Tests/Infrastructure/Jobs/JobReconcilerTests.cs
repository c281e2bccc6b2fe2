using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Jobs;

/// <summary>
/// What reconciliation and the rescan guard decide for an account left in progress, one situation at a time. No job server
/// runs here, so every job stays where the test puts it; each test looks only at its own account.
/// </summary>
public sealed class JobReconcilerTests(FakeAwsAppFactory app) : IClassFixture<FakeAwsAppFactory>
{
    [Fact]
    public async Task Reconcile_JobStillWaitingInTheQueue_MarksInterruptedAndEnqueuesNoSecondJob()
    {
        var (_, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        var waiting = Assert.Single(await ResumeFleet.DiscoveryJobsAsync(app, accountId));
        await SetDiscoveringAsync(accountId, progressAt: null);

        var first = await ReconcileAsync(accountId);
        var second = await ReconcileAsync(accountId);

        Assert.Equal((ReconcileOutcome.Resuming, waiting.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), (first.Outcome, first.JobId));
        Assert.Equal(ReconcileOutcome.Resuming, second.Outcome);
        Assert.Equal(AccountStatus.Interrupted, await ResumeFleet.StatusAsync(app, accountId));
        Assert.Equal([waiting], await ResumeFleet.DiscoveryJobsAsync(app, accountId));
    }

    [Fact]
    public async Task Reconcile_NoJobLeft_EnqueuesExactlyOneAcrossRuns()
    {
        var (_, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        await ResumeDiscoveryTests.DeleteDiscoveryJobsAsync(app, accountId);
        await SetDiscoveringAsync(accountId, progressAt: null);

        var first = await ReconcileAsync(accountId);
        var second = await ReconcileAsync(accountId);

        Assert.Equal(ReconcileOutcome.Requeued, first.Outcome);
        // The job the first run enqueued is waiting: the second run counts on it.
        Assert.Equal((ReconcileOutcome.Resuming, first.JobId), (second.Outcome, second.JobId));
        Assert.Equal(["Deleted", "Enqueued"], (await ResumeFleet.DiscoveryJobsAsync(app, accountId)).Select(j => j.State));
        Assert.Equal(AccountStatus.Interrupted, await ResumeFleet.StatusAsync(app, accountId));
    }

    [Fact]
    public async Task Reconcile_ScanHoldingItsLease_LeavesItAlone()
    {
        var (_, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        await ResumeDiscoveryTests.DeleteDiscoveryJobsAsync(app, accountId);
        await SetDiscoveringAsync(accountId, progressAt: DateTimeOffset.UtcNow);

        ReconcileOutcome whileHeld;
        await using (await TakeLeaseAsync(accountId))
        {
            whileHeld = (await ReconcileAsync(accountId)).Outcome;
            Assert.Equal(AccountStatus.Discovering, await ResumeFleet.StatusAsync(app, accountId));
        }
        var afterwards = (await ReconcileAsync(accountId)).Outcome;

        Assert.Equal(ReconcileOutcome.Running, whileHeld);
        Assert.Equal(ReconcileOutcome.Requeued, afterwards);
    }

    [Fact]
    public async Task Reconcile_JobAWorkerStartedMomentsAgo_LeftToTakeItsLease()
    {
        var (_, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        await ResumeDiscoveryTests.DeleteDiscoveryJobsAsync(app, accountId);
        await SetDiscoveringAsync(accountId, progressAt: null);
        // In a queue of its own, so the fetch below takes this job and no other test's.
        var jobs = app.Services.GetRequiredService<IBackgroundJobClient>();
        jobs.Create(Job.FromExpression<DiscoveryJob>(j => j.RunAsync(accountId, "test", CancellationToken.None)), new EnqueuedState("starting_test"));
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        // A worker fetches the job and marks it Processing, as Hangfire's worker does before running it.
        using var fetched = connection.FetchNextJob(["starting_test"], CancellationToken.None);
        Assert.True(jobs.ChangeState(fetched.JobId, new StartedByAWorker(), EnqueuedState.StateName));

        var outcome = await ReconcileAsync(accountId);

        Assert.Equal(ReconcileOutcome.Starting, outcome.Outcome);
        Assert.Equal(AccountStatus.Discovering, await ResumeFleet.StatusAsync(app, accountId));
    }

    [Fact]
    public async Task Rescan_ScanProgressedRecently_RefusedAndNothingEnqueued()
    {
        var (caller, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        await SetDiscoveringAsync(accountId, progressAt: DateTimeOffset.UtcNow.AddSeconds(-20));
        var jobsBefore = (await ResumeFleet.DiscoveryJobsAsync(app, accountId)).Count;

        var result = await RescanAsync(caller, accountId);

        Assert.Equal(ErrorKind.Conflict, result.Error?.Kind);
        Assert.Contains("no progress for 3 minutes", result.Error?.Message, StringComparison.Ordinal);
        Assert.Equal(jobsBefore, (await ResumeFleet.DiscoveryJobsAsync(app, accountId)).Count);
    }

    [Fact]
    public async Task Rescan_ScanStalledAndNobodyHoldsItsLease_StartsAnother()
    {
        var (caller, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        await SetDiscoveringAsync(accountId, progressAt: DateTimeOffset.UtcNow.AddMinutes(-4));
        var jobsBefore = (await ResumeFleet.DiscoveryJobsAsync(app, accountId)).Count;

        var result = await RescanAsync(caller, accountId);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(jobsBefore + 1, (await ResumeFleet.DiscoveryJobsAsync(app, accountId)).Count);
    }

    [Fact]
    public async Task Rescan_ScanStalledButStillHoldingItsLease_Refused()
    {
        var (caller, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        await SetDiscoveringAsync(accountId, progressAt: DateTimeOffset.UtcNow.AddMinutes(-4));
        var jobsBefore = (await ResumeFleet.DiscoveryJobsAsync(app, accountId)).Count;

        Result result;
        await using (await TakeLeaseAsync(accountId))
        {
            result = await RescanAsync(caller, accountId);
        }

        Assert.Equal(ErrorKind.Conflict, result.Error?.Kind);
        Assert.Contains("still running on a job server", result.Error?.Message, StringComparison.Ordinal);
        Assert.Equal(jobsBefore, (await ResumeFleet.DiscoveryJobsAsync(app, accountId)).Count);
    }

    [Fact]
    public async Task Rescan_AccountActive_Starts()
    {
        var (caller, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        await app.RunDiscoveryAsync(accountId);

        var result = await RescanAsync(caller, accountId);

        Assert.True(result.Succeeded, result.Error?.Message);
    }

    /// <summary>The Processing state a worker records when it starts a job (Hangfire's own constructor is internal).</summary>
    private sealed class StartedByAWorker : IState
    {
        public string Name => ProcessingState.StateName;

        public string? Reason => null;

        public bool IsFinal => false;

        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() => new()
        {
            ["StartedAt"] = JobHelper.SerializeDateTime(DateTime.UtcNow),
            ["ServerId"] = "elsewhere:1:0000",
            ["WorkerId"] = "worker-1",
        };
    }

    private async Task<Reconciled> ReconcileAsync(Guid accountId) =>
        Assert.Single(await app.Services.GetRequiredService<JobReconciler>().ReconcileAsync(CancellationToken.None), r => r.Id == accountId);

    private Task<Result> RescanAsync(Caller caller, Guid accountId) =>
        TestUsers.WithScopeAsync<AccountService, Result>(app.Services, s => s.RescanAsync(caller, accountId));

    /// <summary>What a discovery cut off mid-scan leaves in the account row.</summary>
    private async Task SetDiscoveringAsync(Guid accountId, DateTimeOffset? progressAt) =>
        await app.ExecuteAsync("UPDATE accounts SET status = 'Discovering', discovery_progress_at = @progress WHERE id = @id",
            ("id", accountId), ("progress", (object?)progressAt ?? DBNull.Value));

    private async Task<WorkLease> TakeLeaseAsync(Guid accountId)
    {
        var lease = await WorkLease.TryAcquireAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), DiscoveryWork.LeaseKey(accountId),
            TimeSpan.FromMinutes(1), CancellationToken.None);
        return Assert.IsType<WorkLease>(lease);
    }
}
