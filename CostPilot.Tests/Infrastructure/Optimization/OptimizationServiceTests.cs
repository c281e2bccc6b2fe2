using System.Text.Json;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Optimization;

/// <summary>
/// Applying recommendations and reading the history back, on a real database of its own per test: the confirmation's content
/// (change, saving, expected downtime, budget, why not), the experiment an apply records and the job it enqueues, and the history's
/// filters, paging, downtime and totals — each for the caller's own accounts only.
/// </summary>
public sealed class OptimizationServiceTests : IAsyncLifetime
{
    // Mid-November: a 30-day month, so the 99.9 % budget is 2,592 s (43 min 12 s) per instance.
    private static readonly DateTimeOffset Now = new(2026, 11, 16, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MonthStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2592);

    private const string Api = "i-0aaaaaaaaaaaaaaa1";      // m5.xlarge, running: rightsize to m5.large
    private const string Idle = "i-0bbbbbbbbbbbbbbb2";     // m5.xlarge, running: idle, stop it
    private const string Arm = "i-0ccccccccccccccc3";      // m5.xlarge, running: Graviton m7g.xlarge
    private const string Old = "i-0ddddddddddddddd4";      // m4.xlarge, running: modernize to m5.xlarge
    private const string Parked = "i-0eeeeeeeeeeeeeee5";   // m5.xlarge, stopped, with a (stale) rightsize
    private const string Region = "us-east-1";

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly RecordingJobs _jobs = new();
    private string _database = "";
    private NpgsqlDataSource _dataSource = default!;
    private CostInventory _db = default!;
    private OptimizationService _service = default!;
    private AvailabilityService _availability = default!;
    private string _userId = "";
    private Caller _caller = default!;
    private Guid _account;
    private string _strangerId = "";
    private Guid _strangers;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var connectionString = TestPostgres.ConnectionStringFor(_database);
        _dataSource = new NpgsqlDataSourceBuilder(connectionString).EnableDynamicJson().Build();
        var contexts = new Contexts(new DbContextOptionsBuilder<CostPilotDbContext>().UseNpgsql(_dataSource).UseSnakeCaseNamingConvention().Options);
        _availability = new AvailabilityService(contexts, _clock);
        _service = new OptimizationService(contexts, new ExperimentScheduler(_jobs), _availability, new AccountEventPublisher(_dataSource),
            Options.Create(new ExperimentOptions()), new CostPilot.Infrastructure.Audit.AuditTrail(contexts, _clock), _clock);

        _db = new CostInventory(connectionString);
        _userId = await _db.UserAsync();
        _caller = Callers.Client(_userId);
        _account = await _db.AccountAsync(_userId, "Prod", "123456789012");
        await InstanceAsync(_account, Api, "running", "rightsize", name: "api-1");
        await InstanceAsync(_account, Idle, "running", "idle");
        await InstanceAsync(_account, Arm, "running", "graviton");
        await InstanceAsync(_account, Old, "running", "modernize", type: "m4.xlarge");
        await InstanceAsync(_account, Parked, "stopped", "rightsize");
        _strangerId = await _db.UserAsync();
        _strangers = await _db.AccountAsync(_strangerId, "Someone else's", "210987654321");
        await InstanceAsync(_strangers, "i-0fffffffffffffff6", "running", "rightsize");
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    // ---- PreviewAsync ----

    [Fact]
    public async Task PreviewAsync_ResizeWithoutHistory_TheChangeTheSavingAndTheDefaultDowntime()
    {
        var preview = await PreviewOkAsync(Api, RecommendationKind.Rightsize);

        Assert.Equal(
            new ApplyPreview(_account, Api, "api-1", Region, RecommendationKind.Rightsize, ExperimentAction.Resize, "m5.xlarge", "m5.large",
                140.16m, 70.08m, 70.08m, TimeSpan.FromMinutes(2), ExpectedFromHistory: false, PastExperiments: 0, 99.9m, Budget,
                ExceedsBudget: false, Caveat: null, Blocked: null),
            preview);
    }

    [Fact]
    public async Task PreviewAsync_Stop_KeepsTheTypeAndCountsNoDowntimeEvenWithTheBudgetSpent()
    {
        // The instance has used its whole budget; stopping it is the change asked for, not an outage.
        var past = ExperimentRows.Make(_account, Idle, ExperimentState.RolledBack, Now.AddDays(-3));
        await SaveAsync(past, ExperimentRows.Downtime(past, Now.AddDays(-3), 2592));

        var preview = await PreviewOkAsync(Idle, RecommendationKind.Idle);

        Assert.Equal(ExperimentAction.Stop, preview.Action);
        Assert.Equal(("m5.xlarge", (string?)null), (preview.FromType, preview.ToType));
        Assert.Equal((140.16m, 0m, 140.16m), (preview.MonthlyCostBefore, preview.MonthlyCostAfter, preview.MonthlySaving));
        Assert.Equal(TimeSpan.Zero, preview.ExpectedDowntime);
        Assert.Equal(TimeSpan.Zero, preview.BudgetRemaining);
        Assert.False(preview.ExceedsBudget);
        Assert.Contains("stays stopped", preview.Caveat, StringComparison.Ordinal);
        Assert.Null(preview.Blocked);
    }

    [Theory]
    [InlineData(new[] { 60, 300, 90 }, 90.0)]
    [InlineData(new[] { 60, 90, 300, 400 }, 195.0)]
    [InlineData(new[] { 61, 90 }, 75.5)]
    [InlineData(new[] { 42 }, 42.0)]
    public async Task PreviewAsync_PastExperiments_TheMedianOfTheCallersSucceededOnesOfThatKind(int[] seconds, double median)
    {
        var rows = new List<object>();
        for (var i = 0; i < seconds.Length; i++)
        {
            // Each experiment's downtime in two intervals (stop, and a second stop after a retry): they add up.
            var e = ExperimentRows.Make(_account, $"i-past{i}", ExperimentState.Succeeded, Now.AddDays(-10 + i));
            rows.Add(e);
            rows.Add(ExperimentRows.Downtime(e, e.CreatedAt.AddSeconds(10), seconds[i] / 2));
            rows.Add(ExperimentRows.Downtime(e, e.CreatedAt.AddSeconds(1000), seconds[i] - seconds[i] / 2));
        }
        // Not counted: another client's, another kind's, one that rolled back, and one still under way.
        var theirs = ExperimentRows.Make(_strangers, "i-0fffffffffffffff6", ExperimentState.Succeeded, Now.AddDays(-5));
        var graviton = ExperimentRows.Make(_account, "i-graviton", ExperimentState.Succeeded, Now.AddDays(-5), RecommendationKind.Graviton,
            toType: "m7g.xlarge");
        var rolledBack = ExperimentRows.Make(_account, "i-rolled", ExperimentState.RolledBack, Now.AddDays(-5));
        var underWay = ExperimentRows.Make(_account, "i-busy", ExperimentState.Starting, Now.AddHours(-1));
        rows.AddRange([theirs, graviton, rolledBack, underWay]);
        rows.Add(ExperimentRows.Downtime(theirs, theirs.CreatedAt, 1000));
        rows.Add(ExperimentRows.Downtime(graviton, graviton.CreatedAt, 5000));
        rows.Add(ExperimentRows.Downtime(rolledBack, rolledBack.CreatedAt, 7000));
        rows.Add(ExperimentRows.Downtime(underWay, underWay.CreatedAt, null));
        await SaveAsync([.. rows]);

        var preview = await PreviewOkAsync(Api, RecommendationKind.Rightsize);

        Assert.Equal(TimeSpan.FromSeconds(median), preview.ExpectedDowntime);
        Assert.True(preview.ExpectedFromHistory);
        Assert.Equal(seconds.Length, preview.PastExperiments);
        // Graviton has one past experiment of its own.
        var arm = await PreviewOkAsync(Arm, RecommendationKind.Graviton);
        Assert.Equal((TimeSpan.FromSeconds(5000), 1), (arm.ExpectedDowntime, arm.PastExperiments));
    }

    [Fact]
    public async Task PreviewAsync_OverTheInstancesBudget_ExceedsBudgetWithWhatTheInstanceHasLeft()
    {
        // Api has used 2,500 s of its 2,592 s: 92 s left, 120 s expected. Another instance is worse off (2,560 s).
        var past = ExperimentRows.Make(_account, Api, ExperimentState.RolledBack, Now.AddDays(-2));
        var other = ExperimentRows.Make(_account, Old, ExperimentState.RolledBack, Now.AddDays(-2));
        await SaveAsync(past, other, ExperimentRows.Downtime(past, Now.AddDays(-2), 2500), ExperimentRows.Downtime(other, Now.AddDays(-2), 2560));

        var preview = await PreviewOkAsync(Api, RecommendationKind.Rightsize);

        var report = (await _availability.GetAsync(_caller, _account)).Value!;
        Assert.True(preview.ExceedsBudget);
        Assert.Equal(report.WouldExceed(Api, preview.ExpectedDowntime), preview.ExceedsBudget);
        Assert.Equal(TimeSpan.FromSeconds(92), preview.BudgetRemaining);
        Assert.Equal(report.Budget - report.Instances.Single(i => i.InstanceId == Api).Downtime, preview.BudgetRemaining);
        Assert.Equal(99.9m, preview.TargetPercent);

        // Arm has used nothing: the worse instances do not make its change go over.
        var arm = await PreviewOkAsync(Arm, RecommendationKind.Graviton);
        Assert.False(arm.ExceedsBudget);
        Assert.Equal(Budget, arm.BudgetRemaining);
    }

    [Fact]
    public async Task PreviewAsync_ExactlyTheBudgetLeft_DoesNotExceed()
    {
        var past = ExperimentRows.Make(_account, Api, ExperimentState.RolledBack, Now.AddDays(-2));
        await SaveAsync(past, ExperimentRows.Downtime(past, Now.AddDays(-2), 2592 - 120));

        var preview = await PreviewOkAsync(Api, RecommendationKind.Rightsize);

        Assert.False(preview.ExceedsBudget);
        Assert.Equal(TimeSpan.FromSeconds(120), preview.BudgetRemaining);
    }

    [Theory]
    [InlineData(RecommendationKind.Graviton, Arm, "arm64")]
    [InlineData(RecommendationKind.Modernize, Old, "ENA and NVMe")]
    public async Task PreviewAsync_GravitonAndModernize_SayWhatTheImageNeeds(RecommendationKind kind, string instanceId, string caveat)
    {
        var preview = await PreviewOkAsync(instanceId, kind);

        Assert.Equal(ExperimentAction.Resize, preview.Action);
        Assert.Contains(caveat, preview.Caveat, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ExperimentState.Planned)]
    [InlineData(ExperimentState.Checking)]
    [InlineData(ExperimentState.Verifying)]
    [InlineData(ExperimentState.RollingBack)]
    public async Task PreviewAsync_ExperimentUnderWay_Blocked(ExperimentState state)
    {
        await SaveAsync(ExperimentRows.Make(_account, Api, state, Now.AddMinutes(-5)));

        var preview = await PreviewOkAsync(Api, RecommendationKind.Rightsize);

        Assert.Equal($"An experiment is already under way on {Api}. Wait for it to finish.", preview.Blocked);
    }

    [Fact]
    public async Task PreviewAsync_OnlyFinishedExperiments_NotBlocked()
    {
        await SaveAsync(ExperimentRows.Make(_account, Api, ExperimentState.RolledBack, Now.AddDays(-1)),
            ExperimentRows.Make(_account, Api, ExperimentState.Failed, Now.AddHours(-1)));

        Assert.Null((await PreviewOkAsync(Api, RecommendationKind.Rightsize)).Blocked);
    }

    [Fact]
    public async Task PreviewAsync_InstanceNotRunning_Blocked()
    {
        var preview = await PreviewOkAsync(Parked, RecommendationKind.Rightsize);

        Assert.Equal($"{Parked} is stopped, not running: CostPilot applies changes to running instances only.", preview.Blocked);
    }

    [Theory]
    [InlineData(RecommendationKind.StoppedLong)]
    [InlineData(RecommendationKind.UnattachedVolume)]
    [InlineData(RecommendationKind.Gp2ToGp3)]
    [InlineData(RecommendationKind.IdleAddress)]
    public async Task PreviewAndApply_KindsCostPilotDoesNotApply_Invalid(RecommendationKind kind)
    {
        var preview = await _service.PreviewAsync(_caller, _account, Api, kind);
        var applied = await _service.ApplyAsync(_caller, _account, Api, kind);

        Assert.Equal(ErrorKind.Invalid, preview.Error?.Kind);
        Assert.Equal(ErrorKind.Invalid, applied.Error?.Kind);
        Assert.Empty(_jobs.Created);
    }

    [Fact]
    public async Task PreviewAndApply_AnotherUsersAccount_NotFound()
    {
        var preview = await _service.PreviewAsync(_caller, _strangers, "i-0fffffffffffffff6", RecommendationKind.Rightsize);
        var applied = await _service.ApplyAsync(_caller, _strangers, "i-0fffffffffffffff6", RecommendationKind.Rightsize);
        var none = await _service.PreviewAsync(_caller, Guid.NewGuid(), Api, RecommendationKind.Rightsize);

        Assert.Equal("That account does not exist or is not yours.", preview.Error?.Message);
        Assert.Equal(ErrorKind.NotFound, preview.Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, applied.Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, none.Error?.Kind);
        await using var db = NewDb();
        Assert.Empty(await db.Experiments.ToListAsync());
    }

    [Fact]
    public async Task PreviewAndApply_RecommendationNoLongerCurrent_NotFound()
    {
        // Api has a rightsize, not a Graviton; an instance gone since the last scan has none either.
        await _db.InstanceAsync(_account, "i-0999999999999999a", Region, "m5.xlarge", "running", 0.192m, 140.16m, "on-demand", gone: true);
        await _db.RecommendationAsync(_account, "rightsize", "Instance", "i-0999999999999999a", Region, 140.16m, 70.08m);

        var otherKind = await _service.PreviewAsync(_caller, _account, Api, RecommendationKind.Graviton);
        var gone = await _service.PreviewAsync(_caller, _account, "i-0999999999999999a", RecommendationKind.Rightsize);
        var applied = await _service.ApplyAsync(_caller, _account, Api, RecommendationKind.Graviton);

        Assert.Equal(ErrorKind.NotFound, otherKind.Error?.Kind);
        Assert.Equal("That recommendation is no longer current (a newer scan replaced it). Reload the list.", otherKind.Error?.Message);
        Assert.Equal(ErrorKind.NotFound, gone.Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, applied.Error?.Kind);
        Assert.Empty(_jobs.Created);
    }

    [Theory]
    [InlineData("m5.large")]   // already the proposed type (someone changed it in the console)
    [InlineData("m5.2xlarge")] // another type: the advice was about an m5.xlarge
    public async Task PreviewAndApply_InstanceTypeChangedSinceTheRecommendation_NotFoundAndNothingRecorded(string typeNow)
    {
        await _db.ExecuteAsync("UPDATE instances SET instance_type = @type WHERE instance_id = @iid", ("type", typeNow), ("iid", Api));

        var preview = await _service.PreviewAsync(_caller, _account, Api, RecommendationKind.Rightsize);
        var applied = await _service.ApplyAsync(_caller, _account, Api, RecommendationKind.Rightsize);

        Assert.Equal(ErrorKind.NotFound, preview.Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, applied.Error?.Kind);
        Assert.Contains($"{Api} is a {typeNow} now", applied.Error?.Message, StringComparison.Ordinal);
        Assert.Empty(_jobs.Created);
        await using var db = NewDb();
        Assert.Empty(await db.Experiments.ToListAsync());
    }

    // ---- ApplyAsync ----

    [Fact]
    public async Task ApplyAsync_Resize_PlannedExperimentFromTheRecommendation_JobEnqueued_EventPublished()
    {
        await using var events = await ListenAsync();

        var applied = await _service.ApplyAsync(_caller, _account, Api, RecommendationKind.Rightsize);

        Assert.True(applied.Succeeded, applied.Error?.Message);
        await using var db = NewDb();
        var e = await db.Experiments.SingleAsync();
        Assert.Equal(applied.Value, e.Id);
        Assert.Equal(ExperimentState.Planned, e.State);
        Assert.Equal((_account, Region, Api, "api-1"), (e.AccountId, e.Region, e.InstanceId, e.InstanceName));
        Assert.Equal((RecommendationKind.Rightsize, "m5.xlarge", "m5.large"), (e.Kind, e.FromType, e.ToType));
        Assert.Equal((140.16m, 70.08m), (e.MonthlyCostBefore, e.MonthlyCostAfter));
        Assert.Equal(TimeSpan.FromMinutes(2), e.ExpectedDowntime);
        Assert.Equal((_userId, $"{_userId}@costpilot.test"), (e.RequestedBy, e.RequestedByName));
        Assert.Equal(Now, e.CreatedAt);
        Assert.Null(e.StartedAt);
        Assert.Empty(e.Steps);
        // The audit trail has it, saved with the experiment.
        var audit = await db.AuditEvents.SingleAsync();
        Assert.Equal((CostPilot.Infrastructure.Audit.AuditActions.RecommendationApplied, "experiment", e.Id.ToString(), Api, _userId, Now),
            (audit.Action, audit.TargetKind, audit.TargetId, audit.TargetLabel, audit.ActorId, audit.At));
        Assert.Contains("m5.xlarge → m5.large", audit.Detail, StringComparison.Ordinal);

        var job = Assert.Single(_jobs.Created);
        Assert.Equal((typeof(ExperimentJob), nameof(ExperimentJob.RunAsync)), (job.Type, job.Method.Name));
        Assert.Equal(e.Id, job.Args[0]);
        Assert.Equal($"Rightsize {Api} (m5.xlarge → m5.large)", job.Args[1]);

        var heard = await events.NextAsync();
        Assert.Equal((_account, _userId), (heard.AccountId, heard.OwnerId));
        Assert.Equal(new ExperimentProgress(e.Id, Api, ExperimentState.Planned, null, null), heard.Experiment);
    }

    [Fact]
    public async Task ApplyAsync_Stop_NoNewTypeAndNoDowntimeExpected()
    {
        var applied = await _service.ApplyAsync(_caller, _account, Idle, RecommendationKind.Idle);

        Assert.True(applied.Succeeded, applied.Error?.Message);
        await using var db = NewDb();
        var e = await db.Experiments.SingleAsync();
        Assert.Equal((RecommendationKind.Idle, ExperimentAction.Stop, "m5.xlarge", (string?)null), (e.Kind, e.Action, e.FromType, e.ToType));
        Assert.Equal((140.16m, 0m), (e.MonthlyCostBefore, e.MonthlyCostAfter));
        Assert.Equal(TimeSpan.Zero, e.ExpectedDowntime);
        Assert.Equal($"Stop idle instance {Idle} (m5.xlarge)", Assert.Single(_jobs.Created).Args[1]);
    }

    [Fact]
    public async Task ApplyAsync_WithHistory_RecordsTheMedianItAnnounced()
    {
        var a = ExperimentRows.Make(_account, "i-past1", ExperimentState.Succeeded, Now.AddDays(-3));
        var b = ExperimentRows.Make(_account, "i-past2", ExperimentState.Succeeded, Now.AddDays(-2));
        await SaveAsync(a, b, ExperimentRows.Downtime(a, a.CreatedAt, 100), ExperimentRows.Downtime(b, b.CreatedAt, 150));

        var applied = await _service.ApplyAsync(_caller, _account, Api, RecommendationKind.Rightsize);

        await using var db = NewDb();
        Assert.Equal(TimeSpan.FromSeconds(125), (await db.Experiments.SingleAsync(e => e.Id == applied.Value)).ExpectedDowntime);
    }

    [Fact]
    public async Task ApplyAsync_OneUnderWayOrNotRunning_ConflictAndNothingEnqueued()
    {
        var first = await _service.ApplyAsync(_caller, _account, Api, RecommendationKind.Rightsize);
        var again = await _service.ApplyAsync(_caller, _account, Api, RecommendationKind.Rightsize);
        var stopped = await _service.ApplyAsync(_caller, _account, Parked, RecommendationKind.Rightsize);

        Assert.True(first.Succeeded);
        Assert.Equal(ErrorKind.Conflict, again.Error?.Kind);
        Assert.Equal($"An experiment is already under way on {Api}. Wait for it to finish.", again.Error?.Message);
        Assert.Equal(ErrorKind.Conflict, stopped.Error?.Kind);
        Assert.Single(_jobs.Created);
        await using var db = NewDb();
        Assert.Equal(first.Value, (await db.Experiments.SingleAsync()).Id);
    }

    [Fact]
    public async Task ApplyAsync_AfterOneFinished_StartsAnother()
    {
        await SaveAsync(ExperimentRows.Make(_account, Api, ExperimentState.RolledBack, Now.AddDays(-1)));

        var applied = await _service.ApplyAsync(_caller, _account, Api, RecommendationKind.Rightsize);

        Assert.True(applied.Succeeded, applied.Error?.Message);
        Assert.Single(_jobs.Created);
    }

    [Fact]
    public async Task ApplyAsync_TwoAtOnce_OneWinsTheOtherConflicts()
    {
        var both = await Task.WhenAll(
            _service.ApplyAsync(_caller, _account, Api, RecommendationKind.Rightsize),
            _service.ApplyAsync(_caller, _account, Api, RecommendationKind.Rightsize));

        Assert.Single(both, r => r.Succeeded);
        Assert.Single(both, r => r.Error?.Kind == ErrorKind.Conflict);
        Assert.Single(_jobs.Created);
        await using var db = NewDb();
        Assert.Single(await db.Experiments.ToListAsync());
    }

    // ---- QueryAsync, StreamAsync, GetAsync ----

    /// <summary>
    /// Four of the caller's experiments on two accounts (and one of a stranger's), created a day or so apart; the newest is still
    /// stopping with its downtime open for 30 minutes, the oldest succeeded after 100 + 50 s of downtime.
    /// </summary>
    private async Task<(Guid Staging, Experiment[] NewestFirst)> HistoryAsync()
    {
        var staging = await _db.AccountAsync(_userId, "Staging", "333333333333");
        var succeeded = ExperimentRows.Make(_account, Api, ExperimentState.Succeeded, Now.AddDays(-3), instanceName: "api-1");
        var rolledBack = ExperimentRows.Make(_account, Old, ExperimentState.RolledBack, Now.AddDays(-2), RecommendationKind.Modernize,
            fromType: "m4.xlarge", toType: "m5.xlarge", message: "status checks failed");
        var failed = ExperimentRows.Make(_account, Api, ExperimentState.Failed, Now.AddDays(-1), message: "denied");
        var stopping = ExperimentRows.Make(staging, "i-0123456789abcdef0", ExperimentState.Stopping, Now.AddHours(-1), RecommendationKind.Idle);
        var theirs = ExperimentRows.Make(_strangers, "i-0fffffffffffffff6", ExperimentState.Succeeded, Now.AddMinutes(-5));
        await SaveAsync(succeeded, rolledBack, failed, stopping, theirs,
            ExperimentRows.Downtime(succeeded, succeeded.CreatedAt.AddSeconds(10), 100),
            ExperimentRows.Downtime(succeeded, succeeded.CreatedAt.AddSeconds(200), 50),
            ExperimentRows.Downtime(stopping, Now.AddMinutes(-30), null),
            ExperimentRows.Downtime(theirs, theirs.CreatedAt, 999));
        return (staging, [stopping, failed, rolledBack, succeeded]);
    }

    [Fact]
    public async Task QueryAsync_AllOfTheCallers_NewestFirst_WithAccountNameAndSummedDowntime()
    {
        var (_, newestFirst) = await HistoryAsync();

        var page = (await _service.QueryAsync(_caller, new ExperimentQuery())).Value!;

        Assert.Equal(4, page.Total);
        Assert.Equal(newestFirst.Select(e => e.Id), page.Rows.Select(r => r.Id));
        Assert.Equal(["Staging", "Prod", "Prod", "Prod"], page.Rows.Select(r => r.AccountName));
        // An open interval counts until now; closed ones add up.
        Assert.Equal([TimeSpan.FromMinutes(30), TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(150)], page.Rows.Select(r => r.Downtime));
        var oldest = page.Rows[^1];
        Assert.Equal((Api, "api-1", Region), (oldest.InstanceId, oldest.InstanceName, oldest.Region));
        Assert.Equal((RecommendationKind.Rightsize, "m5.xlarge", "m5.large", ExperimentState.Succeeded), (oldest.Kind, oldest.FromType, oldest.ToType, oldest.State));
        Assert.Equal((140.16m, 70.08m, 70.08m), (oldest.MonthlyCostBefore, oldest.MonthlyCostAfter, oldest.RealizedMonthlySaving));
        Assert.Equal(("user-id@costpilot.test", 0), (oldest.RequestedBy, oldest.Attempts));
        Assert.Equal((Now.AddDays(-3), Now.AddDays(-3), Now.AddDays(-3).AddSeconds(50)), (oldest.CreatedAt, oldest.StartedAt, oldest.CompletedAt));
        Assert.Equal([ExperimentState.Checking, ExperimentState.Stopping, ExperimentState.Modifying, ExperimentState.Starting, ExperimentState.Verifying],
            oldest.Steps.Select(s => s.State));
        Assert.Equal("status checks failed", page.Rows[2].Message);
        Assert.Null(page.Rows[2].RealizedMonthlySaving);
    }

    [Fact]
    public async Task QueryAsync_AccountAndStateFilters_AndPaging()
    {
        var (staging, newestFirst) = await HistoryAsync();
        var (stopping, failed, rolledBack, succeeded) = (newestFirst[0], newestFirst[1], newestFirst[2], newestFirst[3]);

        async Task<IEnumerable<Guid>> Ids(ExperimentQuery query) => (await _service.QueryAsync(_caller, query)).Value!.Rows.Select(r => r.Id);

        Assert.Equal([failed.Id, rolledBack.Id, succeeded.Id], await Ids(new ExperimentQuery(_account)));
        Assert.Equal([stopping.Id], await Ids(new ExperimentQuery(staging)));
        Assert.Equal([rolledBack.Id], await Ids(new ExperimentQuery(State: ExperimentState.RolledBack)));
        Assert.Equal([succeeded.Id], await Ids(new ExperimentQuery(_account, ExperimentState.Succeeded)));
        Assert.Empty(await Ids(new ExperimentQuery(staging, ExperimentState.Succeeded)));

        var second = (await _service.QueryAsync(_caller, new ExperimentQuery(Skip: 1, Take: 2))).Value!;
        Assert.Equal([failed.Id, rolledBack.Id], second.Rows.Select(r => r.Id));
        Assert.Equal(4, second.Total);
        Assert.Equal([stopping.Id], await Ids(new ExperimentQuery(Take: 0))); // at least one
        Assert.Empty(await Ids(new ExperimentQuery(Skip: 4)));
    }

    [Fact]
    public async Task QueryAsync_AnotherUsersAccount_NotFound_AndTheirsNeverListed()
    {
        await HistoryAsync();

        var theirs = await _service.QueryAsync(_caller, new ExperimentQuery(_strangers));
        var asThem = (await _service.QueryAsync(Callers.Client(_strangerId), new ExperimentQuery())).Value!;

        Assert.Equal(ErrorKind.NotFound, theirs.Error?.Kind);
        Assert.Equal(["Someone else's"], asThem.Rows.Select(r => r.AccountName));
    }

    [Fact]
    public async Task StreamAsync_EveryMatchingRowNewestFirst_AcrossItsPages_NothingOfAnotherUsersAccount()
    {
        // One more than a page of the stream.
        var many = Enumerable.Range(0, ExperimentQuery.MaxTake + 1)
            .Select(i => ExperimentRows.Make(_account, $"i-{i:d17}", ExperimentState.Succeeded, Now.AddMinutes(-i - 1)))
            .ToList();
        await SaveAsync([.. many, ExperimentRows.Make(_strangers, "i-0fffffffffffffff6", ExperimentState.Succeeded, Now)]);

        var all = await _service.StreamAsync(_caller, new ExperimentQuery()).ToListAsync();
        var failed = await _service.StreamAsync(_caller, new ExperimentQuery(State: ExperimentState.Failed)).ToListAsync();
        var theirs = await _service.StreamAsync(_caller, new ExperimentQuery(_strangers)).ToListAsync();

        Assert.Equal(many.Select(e => e.Id), all.Select(r => r.Id));
        Assert.Empty(failed);
        Assert.Empty(theirs);
    }

    [Fact]
    public async Task GetAsync_OnlyTheCallersExperiment()
    {
        var (_, newestFirst) = await HistoryAsync();
        await using var db = NewDb();
        var theirs = await db.Experiments.SingleAsync(e => e.AccountId == _strangers);

        var mine = await _service.GetAsync(_caller, newestFirst[3].Id);
        var notMine = await _service.GetAsync(_caller, theirs.Id);
        var none = await _service.GetAsync(_caller, Guid.NewGuid());

        Assert.Equal(newestFirst[3].Id, mine.Value!.Id);
        Assert.Equal(5, mine.Value.Steps.Count);
        Assert.Equal(TimeSpan.FromSeconds(150), mine.Value.Downtime);
        Assert.Equal(ErrorKind.NotFound, notMine.Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, none.Error?.Kind);
    }

    // ---- GetTotalsAsync ----

    [Fact]
    public async Task GetTotalsAsync_RealizedThisMonthAndOverall_CountsAndDowntimeClippedAtTheMonthStart()
    {
        var staging = await _db.AccountAsync(_userId, "Staging", "333333333333");
        var thisMonth = ExperimentRows.Make(_account, "i-1", ExperimentState.Succeeded, Now.AddDays(-2));                       // 70.08
        var lastMonth = ExperimentRows.Make(_account, "i-2", ExperimentState.Succeeded, new(2026, 10, 20, 9, 0, 0, TimeSpan.Zero),
            before: 100m, after: 60m);                                                                                          // 40, overall only
        var unpriced = ExperimentRows.Make(_account, "i-3", ExperimentState.Succeeded, Now.AddDays(-1), before: 50m, after: null);
        var acrossMidnight = ExperimentRows.Make(_account, "i-4", ExperimentState.Succeeded, MonthStart.AddSeconds(-30), before: 30m, after: 20m,
            completedAt: MonthStart.AddSeconds(20));                                                                            // 10, completed this month
        var rolledBack = ExperimentRows.Make(_account, "i-5", ExperimentState.RolledBack, Now.AddDays(-3));
        var failed = ExperimentRows.Make(_account, "i-6", ExperimentState.Failed, Now.AddDays(-3));
        var underWay = ExperimentRows.Make(_account, "i-7", ExperimentState.Stopping, Now.AddMinutes(-10));
        var elsewhere = ExperimentRows.Make(staging, "i-8", ExperimentState.Succeeded, Now.AddDays(-4), before: 20m, after: 15m); // 5
        var theirs = ExperimentRows.Make(_strangers, "i-0fffffffffffffff6", ExperimentState.Succeeded, Now.AddDays(-1), before: 1000m, after: 0m);
        await SaveAsync(thisMonth, lastMonth, unpriced, acrossMidnight, rolledBack, failed, underWay, elsewhere, theirs,
            ExperimentRows.Downtime(thisMonth, thisMonth.CreatedAt.AddSeconds(10), 120),
            ExperimentRows.Downtime(lastMonth, lastMonth.CreatedAt.AddSeconds(10), 60),            // October: not this month's
            ExperimentRows.Downtime(acrossMidnight, MonthStart.AddSeconds(-20), 40),                // 20 s of it in November
            ExperimentRows.Downtime(underWay, Now.AddMinutes(-5), null),                            // open: 300 s until now
            ExperimentRows.Downtime(elsewhere, elsewhere.CreatedAt.AddSeconds(10), 45),
            ExperimentRows.Downtime(theirs, theirs.CreatedAt, 999));

        var all = (await _service.GetTotalsAsync(_caller, null)).Value!;
        var prod = (await _service.GetTotalsAsync(_caller, _account)).Value!;
        var notMine = await _service.GetTotalsAsync(_caller, _strangers);

        Assert.Equal(new ExperimentTotals(85.08m, 125.08m, Total: 8, Succeeded: 5, RolledBack: 1, Failed: 1, UnderWay: 1, TimeSpan.FromSeconds(485)), all);
        Assert.Equal(new ExperimentTotals(80.08m, 120.08m, Total: 7, Succeeded: 4, RolledBack: 1, Failed: 1, UnderWay: 1, TimeSpan.FromSeconds(440)), prod);
        Assert.Equal(ErrorKind.NotFound, notMine.Error?.Kind);
    }

    [Fact]
    public async Task GetTotalsAsync_NothingYet_AllZero()
    {
        var totals = await _service.GetTotalsAsync(_caller, _account);

        Assert.Equal(new ExperimentTotals(0m, 0m, 0, 0, 0, 0, 0, TimeSpan.Zero), totals.Value);
    }

    // ---- LatestByInstanceAsync ----

    [Fact]
    public async Task LatestByInstanceAsync_TheNewestPerInstanceWithItsNoteOrMessage()
    {
        var staging = await _db.AccountAsync(_userId, "Staging", "333333333333");
        var older = ExperimentRows.Make(_account, Api, ExperimentState.RolledBack, Now.AddDays(-2));
        var newer = ExperimentRows.Make(_account, Api, ExperimentState.Succeeded, Now.AddDays(-1));
        var stopping = ExperimentRows.Make(_account, Idle, ExperimentState.Stopping, Now.AddMinutes(-1), RecommendationKind.Idle);
        stopping.Note($"Waiting for {Idle} to stop (stopping).");
        var failed = ExperimentRows.Make(_account, Old, ExperimentState.Failed, Now.AddHours(-1), RecommendationKind.Modernize, fromType: "m4.xlarge",
            toType: "m5.xlarge", message: "ec2:StopInstances is not allowed. Nothing was changed.");
        var elsewhere = ExperimentRows.Make(staging, "i-0123456789abcdef0", ExperimentState.Succeeded, Now.AddDays(-1));
        await SaveAsync(older, newer, stopping, failed, elsewhere);

        var latest = (await _service.LatestByInstanceAsync(_caller, _account)).Value!;
        var notMine = await _service.LatestByInstanceAsync(_caller, _strangers);

        Assert.Equal([Api, Idle, Old], latest.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new InstanceExperiment(newer.Id, Api, RecommendationKind.Rightsize, "m5.xlarge", ExperimentState.Succeeded, null, newer.CreatedAt),
            latest[Api]);
        Assert.Equal((ExperimentState.Stopping, $"Waiting for {Idle} to stop (stopping)."), (latest[Idle].State, latest[Idle].StepNote));
        Assert.Equal((ExperimentState.Failed, "ec2:StopInstances is not allowed. Nothing was changed."), (latest[Old].State, latest[Old].StepNote));
        Assert.Equal(ErrorKind.NotFound, notMine.Error?.Kind);
    }

    // ---- helpers ----

    /// <summary>A running (or stopped) instance priced at $140.16/month and its recommendation of <paramref name="kind"/>.</summary>
    private async Task InstanceAsync(Guid accountId, string instanceId, string state, string kind, string type = "m5.xlarge", string? name = null)
    {
        await _db.InstanceAsync(accountId, instanceId, Region, type, state, 0.192m, 140.16m, "on-demand", name: name);
        var (current, proposed, after) = kind switch
        {
            "idle" => ($"{type} · running", "stopped", 0m),
            "graviton" => (type, "m7g.xlarge", 119.72m),
            "modernize" => (type, "m5.xlarge", 140.00m),
            _ => (type, "m5.large", 70.08m),
        };
        await _db.RecommendationAsync(accountId, kind, "Instance", instanceId, Region, 140.16m, after, current: current, proposed: proposed, name: name);
    }

    private async Task<ApplyPreview> PreviewOkAsync(string instanceId, RecommendationKind kind)
    {
        var preview = await _service.PreviewAsync(_caller, _account, instanceId, kind);
        Assert.True(preview.Succeeded, preview.Error?.Message);
        return preview.Value;
    }

    private CostPilotDbContext NewDb() =>
        new(new DbContextOptionsBuilder<CostPilotDbContext>().UseNpgsql(_dataSource).UseSnakeCaseNamingConvention().Options);

    private async Task SaveAsync(params object[] rows)
    {
        await using var db = NewDb();
        db.AddRange(rows);
        await db.SaveChangesAsync();
    }

    /// <summary>Listens to the account events every node hears (PostgreSQL NOTIFY), from now on.</summary>
    private async Task<EventListener> ListenAsync()
    {
        var connection = await _dataSource.OpenConnectionAsync();
        await using var listen = new NpgsqlCommand($"LISTEN {AccountEventPublisher.Channel}", connection);
        await listen.ExecuteNonQueryAsync();
        return new EventListener(connection);
    }

    private sealed class EventListener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly Queue<string> _payloads = new();

        public EventListener(NpgsqlConnection connection)
        {
            _connection = connection;
            _connection.Notification += (_, n) => _payloads.Enqueue(n.Payload);
        }

        public async Task<AccountEvent> NextAsync()
        {
            if (_payloads.Count == 0)
            {
                Assert.True(await _connection.WaitAsync(TimeSpan.FromSeconds(10)), "no account event within 10 s");
            }
            return JsonSerializer.Deserialize<AccountEvent>(_payloads.Dequeue(), AccountEventPublisher.Json)!;
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }

    private sealed class Contexts(DbContextOptions<CostPilotDbContext> options) : IDbContextFactory<CostPilotDbContext>
    {
        public CostPilotDbContext CreateDbContext() => new(options);
    }
}
