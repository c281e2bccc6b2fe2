using CostPilot.Domain.Optimization;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Utilization;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Jobs;

/// <summary>
/// The admin Jobs page's service on the real Hangfire storage in PostgreSQL. No job server runs: each test puts its jobs in the
/// state it needs (failed with a real exception, processing) through Hangfire's own state changes, on accounts of its own.
/// </summary>
public sealed class AdminJobServiceTests(FakeAwsAppFactory app) : IClassFixture<FakeAwsAppFactory>
{
    private static readonly Caller Admin = new("admin-jobs-test", new HashSet<string> { "admin" }, "admin@costpilot.test", "203.0.113.9");

    private AdminJobService Service => app.Services.GetRequiredService<AdminJobService>();

    private IBackgroundJobClient Jobs => app.Services.GetRequiredService<IBackgroundJobClient>();

    [Fact]
    public async Task ListAsync_FailedDiscovery_ShowsKindAccountOwnerAndFirstLineOfErrorWithoutStackTraceOrSecret()
    {
        var (owner, accountId, name) = await NewAccountAsync();
        var jobId = FailedDiscovery(accountId, "No region could be scanned. Key AKIAIOSFODNN7EXAMPLE was refused.\nsecond line with details");

        var rows = await ListAsync(new AdminJobQuery(accountId));

        var row = Assert.Single(rows);
        Assert.Equal((jobId, AdminJobKind.Discovery, AdminJobState.Failed, accountId, name), (row.JobId, row.Kind, row.State, row.AccountId, row.AccountName));
        Assert.Equal(owner.Email, row.OwnerEmail);
        Assert.Equal("DiscoveryFailedException: No region could be scanned. Key AKIA************MPLE was refused.", row.Error);
        Assert.Equal(0, row.RetryCount);
        Assert.NotNull(row.At);
        Assert.InRange(row.At!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal($"discovery of {name}", row.Label);
    }

    [Fact]
    public async Task ListAsync_RetryCountParameter_IsShownAsRetries()
    {
        var (_, accountId, _) = await NewAccountAsync();
        var jobId = FailedDiscovery(accountId, "failed");
        using (var connection = app.Services.GetRequiredService<JobStorage>().GetConnection())
        {
            connection.SetJobParameter(jobId, "RetryCount", "3");
        }

        var row = Assert.Single(await ListAsync(new AdminJobQuery(accountId)));

        Assert.Equal(3, row.RetryCount);
    }

    [Fact]
    public async Task ListAsync_FiltersByAccountAndState_AndMapsEveryKindToItsAccount()
    {
        var (_, first, _) = await NewAccountAsync();
        var (_, second, _) = await NewAccountAsync();
        var experimentId = await NewExperimentAsync(second);
        var failedDiscovery = FailedDiscovery(first, "denied");
        var failedExperiment = Fail(Jobs.Enqueue<ExperimentJob>(j => j.RunAsync(experimentId, "exp", CancellationToken.None)), "instance gone");
        var processingUtilization = Processing(Jobs.Enqueue<UtilizationJob>(j => j.RunAsync(second, "util", CancellationToken.None)));
        // Not one of CostPilot's long-running kinds: never on the page.
        Fail(Jobs.Enqueue<PriceRefreshJob>(j => j.RunAsync(null, CancellationToken.None)), "health");

        var ofFirst = await ListAsync(new AdminJobQuery(first));
        var ofSecond = await ListAsync(new AdminJobQuery(second));
        var failedOfSecond = await ListAsync(new AdminJobQuery(second, AdminJobState.Failed));
        var processingOfSecond = await ListAsync(new AdminJobQuery(second, AdminJobState.Processing));
        var all = await ListAsync(new AdminJobQuery());

        Assert.Equal([failedDiscovery], ofFirst.Select(r => r.JobId));
        Assert.Equal([(failedExperiment, AdminJobKind.Experiment, AdminJobState.Failed), (processingUtilization, AdminJobKind.Utilization, AdminJobState.Processing)],
            ofSecond.Select(r => (r.JobId, r.Kind, r.State)));
        Assert.All(ofSecond, r => Assert.Equal(second, r.AccountId));
        Assert.Equal([failedExperiment], failedOfSecond.Select(r => r.JobId));
        Assert.Equal([processingUtilization], processingOfSecond.Select(r => r.JobId));
        Assert.Null(Assert.Single(processingOfSecond).Error);
        Assert.Superset(new HashSet<string> { failedDiscovery, failedExperiment, processingUtilization }, all.Select(r => r.JobId).ToHashSet());
        Assert.DoesNotContain(all, r => r.Error?.Contains("health", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task RetryAsync_FailedJob_RequeuesItAndAudits()
    {
        var (_, accountId, name) = await NewAccountAsync();
        var jobId = FailedDiscovery(accountId, "Access denied for ec2:DescribeRegions.");

        var retried = await Service.RetryAsync(Admin, jobId);

        Assert.True(retried.Succeeded, retried.Error?.Message);
        Assert.Equal(EnqueuedState.StateName, await StateOfAsync(jobId));
        Assert.Empty(await ListAsync(new AdminJobQuery(accountId)));
        var audit = Assert.Single(await AuditOfAsync(jobId));
        Assert.Equal((AuditActions.JobRetried, AuditTargets.Job, $"discovery of {name}", "DiscoveryFailedException: Access denied for ec2:DescribeRegions."),
            (audit.Action, audit.TargetKind, audit.TargetLabel, audit.Detail));
        Assert.Equal((Admin.UserId, Admin.Email, Admin.Address), (audit.ActorId, audit.ActorEmail, audit.Address));
    }

    [Fact]
    public async Task DeleteAsync_FailedJob_RemovesItAndAudits()
    {
        var (_, accountId, name) = await NewAccountAsync();
        var jobId = FailedDiscovery(accountId, "denied");

        var deleted = await Service.DeleteAsync(Admin, jobId);

        Assert.True(deleted.Succeeded, deleted.Error?.Message);
        Assert.Equal(DeletedState.StateName, await StateOfAsync(jobId));
        Assert.Empty(await ListAsync(new AdminJobQuery(accountId)));
        var audit = Assert.Single(await AuditOfAsync(jobId));
        Assert.Equal((AuditActions.JobDeleted, $"discovery of {name}", "DiscoveryFailedException: denied"), (audit.Action, audit.TargetLabel, audit.Detail));
    }

    [Fact]
    public async Task RetryAndDelete_JobNoLongerFailed_ConflictAndNothingAudited()
    {
        var (_, accountId, _) = await NewAccountAsync();
        var jobId = FailedDiscovery(accountId, "denied");
        // Someone else retried it first (another admin, or the Hangfire dashboard).
        Assert.True(Jobs.Requeue(jobId));

        var retry = await Service.RetryAsync(Admin, jobId);
        var delete = await Service.DeleteAsync(Admin, jobId);

        Assert.Equal(ErrorKind.Conflict, retry.Error?.Kind);
        Assert.Equal(ErrorKind.Conflict, delete.Error?.Kind);
        Assert.Contains("not failed any more", retry.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(EnqueuedState.StateName, await StateOfAsync(jobId));
        Assert.Empty(await AuditOfAsync(jobId));
    }

    [Theory]
    [InlineData("999999999")]
    [InlineData("not-a-job")]
    public async Task RetryAndDelete_UnknownJob_NotFound(string jobId)
    {
        Assert.Equal(ErrorKind.NotFound, (await Service.RetryAsync(Admin, jobId)).Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, (await Service.DeleteAsync(Admin, jobId)).Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, (await Service.StateOfAsync(Admin, jobId)).Error?.Kind);
    }

    [Fact]
    public async Task RetryAsync_JobOfAnotherKind_NotFoundAndLeftAlone()
    {
        var jobId = Fail(Jobs.Enqueue<PriceRefreshJob>(j => j.RunAsync(null, CancellationToken.None)), "health");

        Assert.Equal(ErrorKind.NotFound, (await Service.RetryAsync(Admin, jobId)).Error?.Kind);
        Assert.Equal(FailedState.StateName, await StateOfAsync(jobId));
    }

    [Theory]
    [InlineData("client")]
    [InlineData(null)]
    public async Task EveryMethod_NotAnAdministrator_ForbiddenAndNothingChanges(string? role)
    {
        var caller = role is null ? Callers.For("no-role-user") : Callers.For("client-user", role);
        var (_, accountId, _) = await NewAccountAsync();
        var jobId = FailedDiscovery(accountId, "denied");

        Assert.Equal(ErrorKind.Forbidden, (await Service.ListAsync(caller, new AdminJobQuery())).Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, (await Service.ListAsync(caller, new AdminJobQuery(accountId))).Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, (await Service.RetryAsync(caller, jobId)).Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, (await Service.DeleteAsync(caller, jobId)).Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, (await Service.StateOfAsync(caller, jobId)).Error?.Kind);
        Assert.Equal(FailedState.StateName, await StateOfAsync(jobId));
        Assert.Empty(await AuditOfAsync(jobId));
    }

    [Fact]
    public async Task EveryMethod_SuperAdministrator_Allowed()
    {
        var super = Callers.SuperAdmin();
        var (_, accountId, _) = await NewAccountAsync();
        var jobId = FailedDiscovery(accountId, "denied");

        Assert.Single((await Service.ListAsync(super, new AdminJobQuery(accountId))).Value!);
        Assert.Equal(FailedState.StateName, (await Service.StateOfAsync(super, jobId)).Value);
        Assert.True((await Service.DeleteAsync(super, jobId)).Succeeded);
    }

    [Theory]
    [InlineData("System.InvalidOperationException", "boom", "InvalidOperationException: boom")]
    [InlineData("Npgsql.PostgresException, Npgsql", "Host=db;Password=hunter2secret;Database=x\n   at Npgsql.Foo()", "PostgresException: Host=db;Password=***;Database=x")]
    [InlineData(null, "only a message", "only a message")]
    [InlineData("Some.Type", null, "Type")]
    [InlineData(null, null, null)]
    public void Summary_TypeShortNameAndFirstLineWithSecretsMasked(string? type, string? message, string? expected) =>
        Assert.Equal(expected, AdminJobService.Summary(type, message));

    private async Task<List<AdminJobRow>> ListAsync(AdminJobQuery query)
    {
        var rows = await Service.ListAsync(Admin, query);
        Assert.True(rows.Succeeded, rows.Error?.Message);
        return [.. rows.Value];
    }

    private async Task<(TestUser Owner, Guid AccountId, string Name)> NewAccountAsync()
    {
        var owner = await TestUsers.CreateClientAsync(app.Services);
        var caller = new Caller(owner.Id, new HashSet<string> { "client" }, owner.Email);
        var connected = await app.ConnectKeysAsync(caller, app.AddCustomer());
        Assert.True(connected.Succeeded, connected.Error?.Message);
        await using var db = await app.CreateDbContextAsync();
        var name = await db.Accounts.Where(a => a.Id == connected.Value).Select(a => a.Name).SingleAsync();
        return (owner, connected.Value, name);
    }

    private async Task<Guid> NewExperimentAsync(Guid accountId)
    {
        await using var db = await app.CreateDbContextAsync();
        var experiment = ExperimentRows.Make(accountId, "i-0adminjobs00001", ExperimentState.Planned, DateTimeOffset.UtcNow);
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync();
        return experiment.Id;
    }

    private string FailedDiscovery(Guid accountId, string message) =>
        Fail(Jobs.Enqueue<DiscoveryJob>(j => j.RunAsync(accountId, "test", CancellationToken.None)), message, new DiscoveryFailedException(message));

    /// <summary>Moves the job to Failed with a thrown exception (so with a stack trace, as a worker records it).</summary>
    private string Fail(string jobId, string message, Exception? exception = null)
    {
        try
        {
            throw exception ?? new InvalidOperationException(message);
        }
        catch (Exception thrown)
        {
            Assert.True(Jobs.ChangeState(jobId, new FailedState(thrown), EnqueuedState.StateName));
        }
        return jobId;
    }

    private string Processing(string jobId)
    {
        Assert.True(Jobs.ChangeState(jobId, new WorkerStarted(), EnqueuedState.StateName));
        return jobId;
    }

    /// <summary>What a worker records when it starts a job (<see cref="ProcessingState"/>'s constructor is Hangfire's own).</summary>
    private sealed class WorkerStarted : IState
    {
        public string Name => ProcessingState.StateName;
        public string? Reason => null;
        public bool IsFinal => false;
        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() => new()
        {
            ["StartedAt"] = JobHelper.SerializeDateTime(DateTime.UtcNow),
            ["ServerId"] = "test-server",
            ["WorkerId"] = "test-worker",
        };
    }

    private Task<string?> StateOfAsync(string jobId)
    {
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        return Task.FromResult(connection.GetJobData(jobId)?.State);
    }

    private async Task<List<AuditEvent>> AuditOfAsync(string jobId)
    {
        await using var db = await app.CreateDbContextAsync();
        return await db.AuditEvents.AsNoTracking().Where(e => e.TargetKind == AuditTargets.Job && e.TargetId == jobId).ToListAsync();
    }
}
