using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Sandbox;
using CostPilot.Infrastructure.Utilization;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using static CostPilot.Tests.Infrastructure.Optimization.ExperimentApp;

namespace CostPilot.Tests.Infrastructure.Optimization;

/// <summary>
/// Applying a recommendation end to end: <see cref="OptimizationService.ApplyAsync"/> records the experiment, then
/// <see cref="ExperimentJob.RunAsync"/> drives the fake EC2 (the real SDK client and wire protocol, a real instance state
/// machine) on a virtual clock, so every time the job records can be compared exactly with the instance's own history.
/// </summary>
public sealed class ExperimentJobTests(ExperimentApp app) : IClassFixture<ExperimentApp>
{
    private static readonly ExperimentState[] ResizeSteps =
        [ExperimentState.Checking, ExperimentState.Stopping, ExperimentState.Modifying, ExperimentState.Starting, ExperimentState.Verifying];

    [Fact]
    public async Task RunAsync_RightsizeOnRunningInstance_SucceededAsTheNewTypeWithTheTagAndEveryStepTimed()
    {
        var target = await app.TargetAsync();
        var t0 = app.Clock.GetUtcNow();
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id);

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal((ExperimentState.Succeeded, null, 1), (experiment.State, experiment.Message, experiment.Attempts));
        Assert.Equal(("m5.xlarge", "m5.large", CostBefore, CostAfter, CostBefore - CostAfter),
            (experiment.FromType, experiment.ToType, experiment.MonthlyCostBefore, experiment.MonthlyCostAfter, experiment.RealizedMonthlySaving));
        var instance = target.Instance;
        Assert.Equal(("running", "m5.large", "ok", "ok"), (instance.State, instance.InstanceType, instance.SystemStatus, instance.InstanceStatus));
        Assert.Equal("m5.xlarge", instance.Tags[InstanceActions.OriginalTypeTag]);

        // Each step starts when the one before ends, at the instants EC2 moved: stopping at the stop, modifying once it was
        // stopped, starting at the start (right after the type change), verifying once it ran, done when both checks passed.
        var history = instance.History;
        Assert.Equal(["stopping", "stopped", "pending", "running"], history.Select(h => h.To));
        var checksOk = Assert.Single(instance.StatusHistory, c => c.To == "ok").Time;
        Assert.Equal(
            [
                (ExperimentState.Checking, t0, (DateTimeOffset?)t0),
                (ExperimentState.Stopping, history[0].Time, history[1].Time),
                (ExperimentState.Modifying, history[1].Time, history[2].Time),
                (ExperimentState.Starting, history[2].Time, history[3].Time),
                (ExperimentState.Verifying, history[3].Time, checksOk),
            ],
            experiment.Steps.Select(s => (s.State, s.StartedAt, s.EndedAt)));
        Assert.Equal((t0, t0, checksOk), (experiment.CreatedAt, experiment.StartedAt, experiment.CompletedAt));

        // Dry runs of all four actions first, then each change exactly once.
        Assert.Equal(["StopInstances", "StartInstances", "ModifyInstanceAttribute", "CreateTags"], target.DryRuns(app.Fake));
        var changes = target.Changes(app.Fake);
        Assert.Equal(["CreateTags", "StopInstances", "ModifyInstanceAttribute", "StartInstances"], changes.Select(r => r.Action));
        Assert.Equal("m5.large", changes[2].Parameters["InstanceType.Value"]);
    }

    [Fact]
    public async Task RunAsync_NoCapacityForTheNewType_RolledBackRunningAsTheOriginalType()
    {
        var target = await app.TargetAsync();
        target.Region.RemoveCapacity("m5.large");
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id);

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal(ExperimentState.RolledBack, experiment.State);
        Assert.StartsWith($"Could not start instance {target.InstanceId}: AWS has no capacity for the instance type", experiment.Message, StringComparison.Ordinal);
        Assert.Contains("sufficient m5.large capacity", experiment.Message, StringComparison.Ordinal);
        Assert.Equal([.. ResizeSteps.Take(4), ExperimentState.RollingBack], experiment.Steps.Select(s => s.State));
        Assert.Equal(("running", "m5.xlarge"), (target.Instance.State, target.Instance.InstanceType));
        var changes = target.Changes(app.Fake);
        Assert.Equal(["m5.large", "m5.xlarge"], changes.Where(r => r.Action == "ModifyInstanceAttribute").Select(r => r.Parameters["InstanceType.Value"]));
        Assert.Contains(changes, r => r.Action == "StartInstances" && r.ErrorCode == "InsufficientInstanceCapacity");
        Assert.Equal(200, changes.Last(r => r.Action == "StartInstances").StatusCode);
    }

    [Fact]
    public async Task RunAsync_NoCapacityForEitherTypeAtFirst_RollbackKeepsStartingUntilItRuns()
    {
        var target = await app.TargetAsync();
        // The forward start and the rollback's first two starts find no capacity; the third start of the original type runs.
        target.Region.FailNextStart(target.InstanceId, times: 3);
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id);

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal(ExperimentState.RolledBack, experiment.State);
        Assert.Equal(("running", "m5.xlarge"), (target.Instance.State, target.Instance.InstanceType));
        Assert.Equal([500, 500, 500, 200], target.Changes(app.Fake).Where(r => r.Action == "StartInstances").Select(r => r.StatusCode));
        Assert.Single(await app.DowntimeAsync(id));
    }

    [Fact]
    public async Task RunAsync_NoCapacityForEitherType_FailsAfterTheRollbackTimeoutSayingItIsLeftStopped()
    {
        var target = await app.TargetAsync();
        target.Region.RemoveCapacity("m5.large").RemoveCapacity("m5.xlarge");
        var options = FastOptions();
        options.RollbackTimeout = TimeSpan.FromSeconds(3);
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id, app.Job(options));

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal(ExperimentState.Failed, experiment.State);
        Assert.StartsWith($"Could not start instance {target.InstanceId}: AWS has no capacity", experiment.Message, StringComparison.Ordinal);
        Assert.EndsWith(
            " Rollback: The rollback did not finish within 3 s. The instance is left stopped as m5.xlarge; start it (with the right type) from the EC2 console.",
            experiment.Message, StringComparison.Ordinal);
        Assert.Equal(options.RollbackTimeout + PollInterval, experiment.Steps[^1].Duration);
        Assert.Equal(("stopped", "m5.xlarge"), (target.Instance.State, target.Instance.InstanceType));
        var row = Assert.Single(await app.DowntimeAsync(id));
        Assert.Equal(experiment.CompletedAt, row.EndedAt);
    }

    [Theory]
    [InlineData("ec2:StopInstances")]
    [InlineData("ec2:ModifyInstanceAttribute")]
    public async Task RunAsync_ActionDeniedToItsDryRun_FailedNamingTheActionAndTheSwitchWithNothingChanged(string denied)
    {
        var target = await app.TargetAsync();
        target.Customer.Account.Deny(denied);
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id);

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal(ExperimentState.Failed, experiment.State);
        Assert.Contains($"AWS denied {denied}.", experiment.Message, StringComparison.Ordinal);
        Assert.Contains("EnableOptimization=true", experiment.Message, StringComparison.Ordinal);
        Assert.EndsWith("Nothing was changed.", experiment.Message, StringComparison.Ordinal);
        Assert.Equal([ExperimentState.Checking], experiment.Steps.Select(s => s.State));
        Assert.Empty(target.Changes(app.Fake));
        Assert.Equal(("running", "m5.xlarge"), (target.Instance.State, target.Instance.InstanceType));
        Assert.Empty(target.Instance.History);
        Assert.False(target.Instance.Tags.ContainsKey(InstanceActions.OriginalTypeTag));
        Assert.Empty(await app.DowntimeAsync(id));
    }

    [Fact]
    public async Task ApplyAsync_AgainWhileTheFirstIsUnderWay_Conflict()
    {
        var target = await app.TargetAsync();
        await app.ApplyAsync(target);

        var second = await app.Optimization.ApplyAsync(target.Caller, target.AccountId, target.InstanceId, target.Kind);

        Assert.Equal(ErrorKind.Conflict, second.Error?.Kind);
        Assert.Equal($"An experiment is already under way on {target.InstanceId}. Wait for it to finish.", second.Error!.Message);
        Assert.Equal(1, await ExperimentsOnAsync(target));
    }

    [Theory]
    [InlineData("m5.large")]
    [InlineData("c5.2xlarge")]
    public async Task ApplyAsync_InventoryNowShowsAnotherTypeThanTheAdviceWasAbout_NotFoundAndNothingRecorded(string typeNow)
    {
        var target = await app.TargetAsync();
        // Resized since (by an experiment, or by hand) and rescanned; the advice (m5.xlarge → m5.large) is only re-evaluated by
        // the utilization job that follows the scan, so until then it is stale.
        await app.ExecuteAsync("UPDATE instances SET instance_type = @type WHERE account_id = @account AND instance_id = @instance",
            ("type", typeNow), ("account", target.AccountId), ("instance", target.InstanceId));

        var preview = await app.Optimization.PreviewAsync(target.Caller, target.AccountId, target.InstanceId, target.Kind);
        var applied = await app.Optimization.ApplyAsync(target.Caller, target.AccountId, target.InstanceId, target.Kind);

        Assert.Equal((ErrorKind.NotFound, ErrorKind.NotFound), (preview.Error?.Kind, applied.Error?.Kind));
        Assert.StartsWith("That recommendation is no longer current", applied.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0, await ExperimentsOnAsync(target));
    }

    [Fact]
    public async Task ApplyAsync_FourAtOnce_ExactlyOneSucceeds()
    {
        var target = await app.TargetAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => app.Optimization.ApplyAsync(target.Caller, target.AccountId, target.InstanceId, target.Kind))));

        Assert.Single(results, r => r.Succeeded);
        Assert.Equal(3, results.Count(r => r.Error?.Kind == ErrorKind.Conflict));
        Assert.Equal(1, await ExperimentsOnAsync(target));
    }

    [Fact]
    public async Task Database_SecondUnfinishedExperimentOnOneInstance_RefusedByItsUniqueIndex()
    {
        var target = await app.TargetAsync();
        await app.ApplyAsync(target);
        await using (var db = await app.CreateDbContextAsync())
        {
            // A finished one does not count.
            var finished = NewExperiment(target);
            finished.Fail(app.Clock.GetUtcNow(), "Did not happen.");
            db.Experiments.Add(finished);
            await db.SaveChangesAsync();
        }

        await using var direct = await app.CreateDbContextAsync();
        direct.Experiments.Add(NewExperiment(target));
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => direct.SaveChangesAsync());

        var postgres = Assert.IsType<PostgresException>(refused.InnerException);
        Assert.Equal((PostgresErrorCodes.UniqueViolation, "ux_experiment_logs_one_per_instance"), (postgres.SqlState, postgres.ConstraintName));
        Assert.Equal(2, await ExperimentsOnAsync(target));
    }

    [Fact]
    public async Task RunAsync_Succeeded_OneDowntimeIntervalFromTheStopUntilRunningAgainAndAvailabilityCountsIt()
    {
        var target = await app.TargetAsync();
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id);

        var history = target.Instance.History;
        var (stopped, running) = (history[0].Time, history[3].Time);
        var row = Assert.Single(await app.DowntimeAsync(id));
        Assert.Equal((target.AccountId, target.InstanceId, "Rightsize: m5.xlarge → m5.large"), (row.AccountId, row.InstanceId, row.Reason));
        Assert.Equal((stopped, running), (row.StartedAt, row.EndedAt));
        // 2 s stopping, one 200 ms poll to change the type, 1.6 s pending: 3.8 s.
        Assert.Equal(4, row.Seconds);
        Assert.Equal(4, await SecondsColumnAsync(row.Id));

        var report = (await app.Availability.GetAsync(target.Caller, target.AccountId)).Value!;
        var down = running - stopped;
        var only = Assert.Single(report.Instances);
        Assert.Equal((target.InstanceId, down), (only.InstanceId, only.Downtime));
        Assert.Equal(report.Budget - down, report.Remaining);
        var elapsed = app.Clock.GetUtcNow() - report.MonthStart;
        Assert.Equal(100.0 * (1 - down.TotalSeconds / elapsed.TotalSeconds), report.AccountPercent, 9);
        Assert.True(report.AccountPercent < 100.0);
    }

    [Fact]
    public async Task RunAsync_StatusChecksFailAsTheNewType_RolledBackWithTwoDowntimeIntervals()
    {
        var target = await app.TargetAsync();
        var instance = target.Instance;
        // The image does not boot as m5.large: its instance check fails as that type, and passes as the original one.
        app.Clock.OnWait = () =>
        {
            var failing = instance.InstanceType == target.ToType ? FakeStatusCheck.Instance : FakeStatusCheck.None;
            if (instance.ImpairedChecks != failing)
            {
                instance.ImpairedChecks = failing;
            }
            return true;
        };
        var id = await app.ApplyAsync(target);

        try
        {
            await app.RunJobAsync(id);
        }
        finally
        {
            app.Clock.OnWait = null;
        }

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal(ExperimentState.RolledBack, experiment.State);
        Assert.Equal($"{target.InstanceId} failed its status checks as m5.large.", experiment.Message);
        Assert.Equal([.. ResizeSteps, ExperimentState.RollingBack], experiment.Steps.Select(s => s.State));
        Assert.Equal(("running", "m5.xlarge"), (instance.State, instance.InstanceType));
        Assert.Contains(instance.StatusHistory, c => c.To == "impaired");
        var history = instance.History;
        Assert.Equal(["stopping", "stopped", "pending", "running", "stopping", "stopped", "pending", "running"], history.Select(h => h.To));
        var rows = await app.DowntimeAsync(id);
        Assert.Equal(
            [(history[0].Time, (DateTimeOffset?)history[3].Time), (history[4].Time, history[7].Time)],
            rows.Select(r => (r.StartedAt, r.EndedAt)));
        Assert.Equal(["Rightsize: m5.xlarge → m5.large", "Rollback of rightsize (m5.xlarge)"], rows.Select(r => r.Reason));
        Assert.Equal(rows.Select(r => (int?)(int)Math.Round((r.EndedAt!.Value - r.StartedAt).TotalSeconds, MidpointRounding.AwayFromZero)),
            rows.Select(r => r.Seconds));
    }

    [Fact]
    public async Task RunAsync_IdleInstance_SucceededStoppedWithoutDowntime()
    {
        var target = await app.TargetAsync(RecommendationKind.Idle);
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id);

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal((ExperimentState.Succeeded, null, CostBefore), (experiment.State, experiment.ToType, experiment.RealizedMonthlySaving));
        Assert.Equal([ExperimentState.Checking, ExperimentState.Stopping], experiment.Steps.Select(s => s.State));
        Assert.Equal(("stopped", "m5.xlarge"), (target.Instance.State, target.Instance.InstanceType));
        Assert.Equal(["StopInstances", "StartInstances"], target.DryRuns(app.Fake));
        Assert.Equal(["StopInstances"], target.Changes(app.Fake).Select(r => r.Action));
        Assert.Empty(await app.DowntimeAsync(id));
        var report = (await app.Availability.GetAsync(target.Caller, target.AccountId)).Value!;
        Assert.Equal((report.Budget, 0), (report.Remaining, report.Instances.Count));
    }

    [Fact]
    public async Task RunAsync_StopHangs_RollsBackAfterTheStopTimeoutThenFailsAfterTheRollbackTimeoutSayingWhereTheInstanceIs()
    {
        var target = await app.TargetAsync();
        target.Instance.StopHangs = true;
        var options = FastOptions();
        options.StopTimeout = TimeSpan.FromSeconds(3);
        options.RollbackTimeout = TimeSpan.FromSeconds(5);
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id, app.Job(options));

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal(ExperimentState.Failed, experiment.State);
        Assert.Equal(
            $"{target.InstanceId} did not finish stopping within 3 s. Rollback: The rollback did not finish within 5 s. " +
            "The instance is left stopping as m5.xlarge; start it (with the right type) from the EC2 console.",
            experiment.Message);
        var steps = experiment.Steps;
        Assert.Equal([ExperimentState.Checking, ExperimentState.Stopping, ExperimentState.RollingBack], steps.Select(s => s.State));
        // Each wait ends at the first poll past its bound.
        Assert.Equal(options.StopTimeout + PollInterval, steps[1].Duration);
        Assert.Equal(options.RollbackTimeout + PollInterval, steps[2].Duration);
        Assert.Equal(steps[2].EndedAt, experiment.CompletedAt);
        Assert.Equal("stopping", target.Instance.State);
        Assert.Single(target.Changes(app.Fake), r => r.Action == "StopInstances");
        var row = Assert.Single(await app.DowntimeAsync(id));
        Assert.Equal((steps[1].StartedAt, experiment.CompletedAt), (row.StartedAt, row.EndedAt));
    }

    [Fact]
    public async Task RunAsync_AwsFailingFromTheFirstLook_FailsUntouchedAfterTheCheckTimeout()
    {
        var target = await app.TargetAsync();
        app.Fake.FailNext(target.Customer.AccountId, RegionName, "DescribeInstances", FakeFault.ServerError, times: 1000);
        var options = FastOptions();
        options.CheckTimeout = TimeSpan.FromSeconds(1);
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id, app.Job(options));

        var experiment = await app.ExperimentAsync(id);
        Assert.Equal(ExperimentState.Failed, experiment.State);
        Assert.Equal("The checks did not finish within 1 s (AWS busy or unreachable). Nothing was changed.", experiment.Message);
        Assert.Equal(options.CheckTimeout + PollInterval, Assert.Single(experiment.Steps).Duration);
        Assert.Empty(target.DryRuns(app.Fake));
        Assert.Empty(target.Changes(app.Fake));
    }

    [Theory]
    [InlineData(0.0, ExperimentState.Succeeded)]
    [InlineData(1.0, ExperimentState.RolledBack)]
    public async Task RunAsync_SampleAccount_EndsAsTheSimulationSaysAndItsInstanceRowShowsTheType(double failureRate, ExperimentState expected)
    {
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var connected = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(app.Services, s => s.ConnectSandboxAsync(caller));
        Assert.True(connected.Succeeded, connected.Error?.Message);
        var accountId = connected.Value;
        await app.Services.GetRequiredService<DiscoveryJob>().RunAsync(accountId, "test", CancellationToken.None);
        await app.Services.GetRequiredService<UtilizationJob>().RunAsync(accountId, "test", CancellationToken.None);
        await using var db = await app.CreateDbContextAsync();
        var running = await db.Instances.Where(i => i.AccountId == accountId && i.GoneAt == null && i.State == InstanceState.Running)
            .Select(i => i.InstanceId).ToListAsync();
        var advice = (await db.Recommendations.AsNoTracking()
                .Where(r => r.AccountId == accountId && r.Kind == RecommendationKind.Rightsize && running.Contains(r.ResourceId)).ToListAsync())
            .OrderBy(r => r.ResourceId, StringComparer.Ordinal).First();
        var simulation = new SandboxActionOptions
        {
            StopDelay = StopDelay,
            StartDelay = StartDelay,
            StatusCheckDelay = StatusCheckDelay,
            Jitter = 0,
            FailureRate = failureRate,
        };
        var sandbox = new SandboxInstanceActionsFactory(app.Services.GetRequiredService<IDbContextFactory<CostPilotDbContext>>(),
            app.Services.GetRequiredService<IInstanceTypeCatalog>(), Options.Create(simulation), app.Clock);
        var actions = ActivatorUtilities.CreateInstance<InstanceActionsFactory>(app.Services, sandbox);
        var applied = await app.Optimization.ApplyAsync(caller, accountId, advice.ResourceId, RecommendationKind.Rightsize);
        Assert.True(applied.Succeeded, applied.Error?.Message);

        await app.RunJobAsync(applied.Value, app.Job(actions: actions));

        var experiment = await app.ExperimentAsync(applied.Value);
        Assert.Equal(expected, experiment.State);
        Assert.Equal((advice.Current, advice.Proposed), (experiment.FromType, experiment.ToType));
        var row = await db.SandboxInstances.AsNoTracking().SingleAsync(i => i.AccountId == accountId && i.InstanceId == advice.ResourceId);
        var seen = row.Observe(app.Clock.GetUtcNow());
        Assert.Equal((InstanceState.Running, expected == ExperimentState.Succeeded ? advice.Proposed : advice.Current, advice.Current),
            (seen.State, seen.InstanceType, seen.OriginalTypeTag));
        if (expected == ExperimentState.RolledBack)
        {
            Assert.Contains(SandboxInstanceActions.SimulatedNote, experiment.Message, StringComparison.Ordinal);
        }
        Assert.Single(await app.DowntimeAsync(applied.Value));
    }

    [Fact]
    public async Task RunAsync_Resize_EveryStateReachesTheOwnersPagesInOrder()
    {
        var target = await app.TargetAsync();
        using var events = new AccountEventLog(app.Services, target.Caller.UserId);
        var id = await app.ApplyAsync(target);

        await app.RunJobAsync(id);

        var mine = await Eventually.WaitForAsync(
            () => Task.FromResult(events.Events.Where(e => e.Experiment?.ExperimentId == id).ToList()),
            list => list.Any(e => e.Experiment!.State == ExperimentState.Succeeded), TimeSpan.FromSeconds(30), "the event saying it succeeded");
        var states = new List<ExperimentState>();
        foreach (var state in mine.Select(e => e.Experiment!.State).Where(s => states.Count == 0 || states[^1] != s))
        {
            states.Add(state);
        }
        Assert.Equal([ExperimentState.Planned, .. ResizeSteps, ExperimentState.Succeeded], states);
        Assert.All(mine, e => Assert.Equal((target.AccountId, target.InstanceId), (e.AccountId, e.Experiment!.InstanceId)));
        Assert.Contains(mine, e => e.Experiment!.StepNote == $"Waiting for {target.InstanceId} to stop (stopping).");
    }

    private Experiment NewExperiment(ExperimentTarget target) =>
        new(target.AccountId, RegionName, target.InstanceId, null, target.Kind, target.FromType, target.ToType, CostBefore, CostAfter,
            TimeSpan.FromMinutes(2), target.Caller.UserId, "direct insert", app.Clock.GetUtcNow());

    private async Task<int> ExperimentsOnAsync(ExperimentTarget target)
    {
        await using var db = await app.CreateDbContextAsync();
        return await db.Experiments.CountAsync(e => e.AccountId == target.AccountId && e.InstanceId == target.InstanceId);
    }

    private async Task<int?> SecondsColumnAsync(Guid downtimeId) =>
        Assert.Single(await app.QueryAsync("SELECT seconds FROM downtime_logs WHERE id = @id",
            r => r.IsDBNull(0) ? (int?)null : r.GetInt32(0), ("id", downtimeId)));
}
