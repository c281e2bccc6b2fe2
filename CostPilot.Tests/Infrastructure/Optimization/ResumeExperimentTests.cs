using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Tests.Support;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CostPilot.Tests.Infrastructure.Optimization.ExperimentApp;

namespace CostPilot.Tests.Infrastructure.Optimization;

/// <summary>
/// An experiment's job cut off mid-way (its server shut down) and run again, and one left behind with no job at all, found by
/// reconciliation: each goes on from the instance as EC2 describes it, never repeating a finished step. Fake EC2 on a
/// virtual clock, as in <see cref="ExperimentJobTests"/>; no job server runs.
/// </summary>
public sealed class ResumeExperimentTests(ExperimentApp app) : IClassFixture<ExperimentApp>
{
    [Fact]
    public async Task RunAsync_CutOffWhileStopping_SecondRunFinishesWithoutStoppingAgain()
    {
        var target = await app.TargetAsync();
        var id = await app.ApplyAsync(target);

        await app.RunJobUntilAsync(id, () => target.Instance.State == "stopping");

        var cut = await app.ExperimentAsync(id);
        Assert.Equal((ExperimentState.Stopping, 1), (cut.State, cut.Attempts));
        Assert.Equal(ExperimentWork.MessageFor(Interruption.Shutdown), cut.CurrentStep?.Note);

        await app.RunJobAsync(id);

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal((ExperimentState.Succeeded, 2), (experiment.State, experiment.Attempts));
        Assert.Equal(
            [ExperimentState.Checking, ExperimentState.Stopping, ExperimentState.Modifying, ExperimentState.Starting, ExperimentState.Verifying],
            experiment.Steps.Select(s => s.State));
        Assert.Equal(["StopInstances", "StartInstances", "ModifyInstanceAttribute", "CreateTags"], target.DryRuns(app.Fake));
        Assert.Equal(["CreateTags", "StopInstances", "ModifyInstanceAttribute", "StartInstances"], target.Changes(app.Fake).Select(r => r.Action));
        Assert.Equal(("running", "m5.large"), (target.Instance.State, target.Instance.InstanceType));
        var history = target.Instance.History;
        var row = Assert.Single(await app.DowntimeAsync(id));
        Assert.Equal((history[0].Time, (DateTimeOffset?)history[3].Time), (row.StartedAt, row.EndedAt));
    }

    [Fact]
    public async Task RunAsync_CutOffAfterTheTypeChange_SecondRunStartsItWithoutChangingTheTypeAgain()
    {
        var target = await app.TargetAsync();
        var id = await app.ApplyAsync(target);

        await app.RunJobUntilAsync(id, () => target.Instance.InstanceType == target.ToType);

        var cut = await app.ExperimentAsync(id);
        Assert.Equal((ExperimentState.Modifying, 1), (cut.State, cut.Attempts));
        Assert.Equal(("stopped", "m5.large"), (target.Instance.State, target.Instance.InstanceType));

        await app.RunJobAsync(id);

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal((ExperimentState.Succeeded, 2), (experiment.State, experiment.Attempts));
        var modify = Assert.Single(target.Changes(app.Fake), r => r.Action == "ModifyInstanceAttribute");
        Assert.Equal("m5.large", modify.Parameters["InstanceType.Value"]);
        Assert.Single(target.Changes(app.Fake), r => r.Action == "StartInstances");
        Assert.Equal(("running", "m5.large", "ok"), (target.Instance.State, target.Instance.InstanceType, target.Instance.InstanceStatus));
    }

    [Fact]
    public async Task RunAsync_CutOffBeforeItsDowntimeWasRecorded_SecondRunRecordsItFromTheStop()
    {
        var target = await app.TargetAsync();
        var id = await app.ApplyAsync(target);
        await app.RunJobUntilAsync(id, () => target.Instance.State == "stopping");
        // The stop went out but the job died before writing its downtime row; the instance stopped while no job ran.
        await app.ExecuteAsync("DELETE FROM downtime_logs WHERE experiment_id = @id", ("id", id));
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("stopped", target.Instance.State);

        await app.RunJobAsync(id);

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal((ExperimentState.Succeeded, 2), (experiment.State, experiment.Attempts));
        Assert.Single(target.Changes(app.Fake), r => r.Action == "StopInstances");
        // The stopping step began with the stop: the recreated interval starts there and ends when it ran again.
        var history = target.Instance.History;
        var row = Assert.Single(await app.DowntimeAsync(id));
        Assert.Equal((history[0].Time, (DateTimeOffset?)history[3].Time), (row.StartedAt, row.EndedAt));
        Assert.Equal(experiment.Steps[1].StartedAt, row.StartedAt);
        Assert.Equal((int)Math.Round((history[3].Time - history[0].Time).TotalSeconds, MidpointRounding.AwayFromZero), row.Seconds);
    }

    [Fact]
    public async Task RunAsync_CutOffMoreOftenThanAllowed_GivesUpAndRollsBack()
    {
        var target = await app.TargetAsync();
        var options = FastOptions();
        options.MaxAttempts = 1;
        var id = await app.ApplyAsync(target);
        await app.RunJobUntilAsync(id, () => target.Instance.State == "stopping", app.Job(options));

        await app.RunJobAsync(id, app.Job(options));

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal((ExperimentState.RolledBack, 2), (experiment.State, experiment.Attempts));
        Assert.Equal("Gave up after 1 attempt (the job kept being cut off).", experiment.Message);
        Assert.Equal(("running", "m5.xlarge"), (target.Instance.State, target.Instance.InstanceType));
        Assert.DoesNotContain(target.Changes(app.Fake), r => r.Action == "ModifyInstanceAttribute");
        var history = target.Instance.History;
        var row = Assert.Single(await app.DowntimeAsync(id));
        Assert.Equal((history[0].Time, (DateTimeOffset?)history[^1].Time), (row.StartedAt, row.EndedAt));
    }

    [Fact]
    public async Task RunAsync_AnotherRunHoldsItsLease_ReturnsWithoutTouchingIt()
    {
        var target = await app.TargetAsync();
        var id = await app.ApplyAsync(target);

        await using (var lease = await WorkLease.TryAcquireAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), ExperimentWork.LeaseKey(id),
            TimeSpan.FromMinutes(1), CancellationToken.None))
        {
            Assert.NotNull(lease);
            await app.RunJobAsync(id);
        }

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal((ExperimentState.Planned, 0), (experiment.State, experiment.Attempts));
        Assert.DoesNotContain(app.Fake.Requests, r => r.AccountId == target.Customer.AccountId && r.Service == "ec2");
    }

    [Fact]
    public async Task Reconcile_ExperimentLeftStoppingWithNoJob_NotedInterruptedAndOneJobEnqueuedWhichFinishesIt()
    {
        var target = await app.TargetAsync();
        // What a server that died just after the checks leaves behind once Hangfire has given its job up: the row says
        // stopping, nobody holds its lease, no job will come back for it. The instance still runs: the stop never went out.
        var now = app.Clock.GetUtcNow();
        var left = new Experiment(target.AccountId, RegionName, target.InstanceId, null, RecommendationKind.Rightsize, target.FromType, target.ToType,
            CostBefore, CostAfter, TimeSpan.FromMinutes(2), target.Caller.UserId, "left behind", now);
        left.RecordAttempt();
        left.Begin(now);
        left.Advance(ExperimentState.Stopping, now, "Allowed.");
        await using (var db = await app.CreateDbContextAsync())
        {
            db.Experiments.Add(left);
            await db.SaveChangesAsync();
        }

        var first = await ReconcileAsync(left.Id);
        var second = await ReconcileAsync(left.Id);

        Assert.Equal(ReconcileOutcome.Requeued, first.Outcome);
        Assert.Equal((ReconcileOutcome.Resuming, first.JobId), (second.Outcome, second.JobId));
        Assert.Equal(1, ExperimentJobs(left.Id));
        var noted = await app.ExperimentAsync(left.Id);
        Assert.Equal((ExperimentState.Stopping, ExperimentWork.MessageFor(Interruption.ServerLost)), (noted.State, noted.CurrentStep?.Note));

        await app.RunJobAsync(left.Id);

        var experiment = await app.ExperimentAsync(left.Id);
        Assert.Equal((ExperimentState.Succeeded, 2), (experiment.State, experiment.Attempts));
        Assert.Equal(["StopInstances", "ModifyInstanceAttribute", "StartInstances"], target.Changes(app.Fake).Select(r => r.Action));
        Assert.Equal(("running", "m5.large"), (target.Instance.State, target.Instance.InstanceType));
    }

    private async Task<Reconciled> ReconcileAsync(Guid experimentId) =>
        Assert.Single(await app.Services.GetRequiredService<JobReconciler>().ReconcileAsync(CancellationToken.None),
            r => r.Id == experimentId && r.Kind == ExperimentWork.KindName);

    private int ExperimentJobs(Guid experimentId)
    {
        var monitoring = app.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        return monitoring.EnqueuedJobs("default", 0, 1000)
            .Count(j => j.Value.Job?.Type == typeof(ExperimentJob) && j.Value.Job.Args is [Guid id, ..] && id == experimentId);
    }
}
