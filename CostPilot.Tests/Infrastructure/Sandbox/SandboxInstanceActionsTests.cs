using System.Diagnostics;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Sandbox;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Sandbox;

/// <summary>The sample account's simulated EC2 actions, on a fake clock and a fresh PostgreSQL database per test.</summary>
public sealed class SandboxInstanceActionsTests : IAsyncLifetime
{
    private const string Region = "us-east-1";
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A running on-demand x86 instance of the generated fleet, and a known type it is not.</summary>
    private static readonly DiscoveredInstance Running = SandboxFleet.Default.Instances
        .Where(i => i.Region == Region).Select(i => i.Instance)
        .First(i => i.State == "running" && i.Architecture == "x86_64" && i.InstanceType != "m6g.large");

    private static readonly DiscoveredInstance Stopped = SandboxFleet.Default.Instances
        .Where(i => i.Region == Region).Select(i => i.Instance).First(i => i.State == "stopped");

    private const string NewType = "m6g.large";

    private readonly FakeTimeProvider _clock = new(T0);
    private string _database = "";
    private DbContextOptions<CostPilotDbContext> _dbOptions = default!;
    private Guid _accountId;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var connectionString = TestPostgres.ConnectionStringFor(_database);
        var options = new DbContextOptionsBuilder<CostPilotDbContext>();
        DesignTimeDbContextFactory.Configure(options, connectionString);
        _dbOptions = options.Options;
        var inventory = new CostInventory(connectionString);
        _accountId = await inventory.AccountAsync(await inventory.UserAsync(), "Sample account", "000000000000");
    }

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(_database);

    [Fact]
    public async Task StopModifyStart_RunningInstance_FollowsTheTimelineToChecksOk()
    {
        var actions = Actions(new SandboxActionOptions(), () => 0.5); // defaults; a draw of 0.5 means no jitter and no failure
        var original = Running.InstanceType;

        Assert.Equal(new ObservedInstance(Running.InstanceId, InstanceState.Running, original, StatusChecks.Ok, null),
            await actions.DescribeAsync(Running.InstanceId, CancellationToken.None));

        await actions.TagOriginalTypeAsync(Running.InstanceId, original, CancellationToken.None);
        await actions.StopAsync(Running.InstanceId, CancellationToken.None);
        await ExpectAsync(actions, InstanceState.Stopping, original, StatusChecks.NotApplicable);
        _clock.SetUtcNow(T0.AddSeconds(4).AddMilliseconds(-1));
        await ExpectAsync(actions, InstanceState.Stopping, original, StatusChecks.NotApplicable);
        _clock.SetUtcNow(T0.AddSeconds(4));
        await ExpectAsync(actions, InstanceState.Stopped, original, StatusChecks.NotApplicable);

        await actions.ModifyInstanceTypeAsync(Running.InstanceId, NewType, CancellationToken.None);
        await ExpectAsync(actions, InstanceState.Stopped, NewType, StatusChecks.NotApplicable);

        await actions.StartAsync(Running.InstanceId, CancellationToken.None);
        await ExpectAsync(actions, InstanceState.Pending, NewType, StatusChecks.NotApplicable);
        _clock.SetUtcNow(T0.AddSeconds(10).AddMilliseconds(-1));
        await ExpectAsync(actions, InstanceState.Pending, NewType, StatusChecks.NotApplicable);
        _clock.SetUtcNow(T0.AddSeconds(10));
        await ExpectAsync(actions, InstanceState.Running, NewType, StatusChecks.Initializing);
        _clock.SetUtcNow(T0.AddSeconds(15).AddMilliseconds(-1));
        await ExpectAsync(actions, InstanceState.Running, NewType, StatusChecks.Initializing);
        _clock.SetUtcNow(T0.AddSeconds(15));
        var done = await ExpectAsync(actions, InstanceState.Running, NewType, StatusChecks.Ok);
        Assert.Equal(original, done.OriginalTypeTag);

        // Another node (another instance of the actions, same database) sees the same instance.
        Assert.Equal(done, await Actions(new SandboxActionOptions(), () => 0.5).DescribeAsync(Running.InstanceId, CancellationToken.None));
        var row = await RowAsync(Running.InstanceId);
        Assert.Equal((Region, "pending", T0.AddSeconds(4), "running", T0.AddSeconds(10), T0.AddSeconds(15)),
            (row.Region, row.State, row.StateSince, row.NextState, row.NextStateAt, row.ChecksAt));
    }

    [Fact]
    public async Task StopAsync_Jitter_DelaysVaryByUpTo20PercentFromTheDraws()
    {
        var draws = new Queue<double>([0.0, 0.75, 0.25]);
        var actions = Actions(new SandboxActionOptions { FailureRate = 0 }, draws.Dequeue);

        await actions.StopAsync(Running.InstanceId, CancellationToken.None);   // 4 s × 0.8
        _clock.SetUtcNow(T0.AddMilliseconds(3200));
        await ExpectAsync(actions, InstanceState.Stopped, Running.InstanceType, StatusChecks.NotApplicable);
        await actions.StartAsync(Running.InstanceId, CancellationToken.None);  // 6 s × 1.1, then 5 s × 0.9

        var row = await RowAsync(Running.InstanceId);
        Assert.Equal(T0.AddMilliseconds(3200 + 6600), row.NextStateAt);
        Assert.Equal(T0.AddMilliseconds(3200 + 6600 + 4500), row.ChecksAt);
        Assert.Empty(draws);
    }

    [Fact]
    public async Task StopAsync_StoppingOrStopped_ChangesNothing()
    {
        var actions = Actions(new SandboxActionOptions { Jitter = 0 }, () => 0.5);
        await actions.StopAsync(Running.InstanceId, CancellationToken.None);
        _clock.SetUtcNow(T0.AddSeconds(3));

        await actions.StopAsync(Running.InstanceId, CancellationToken.None);

        var stopping = await RowAsync(Running.InstanceId);
        Assert.Equal(("stopping", T0, T0.AddSeconds(4)), (stopping.State, stopping.StateSince, stopping.NextStateAt));
        _clock.SetUtcNow(T0.AddMinutes(1));
        await actions.StopAsync(Running.InstanceId, CancellationToken.None);
        var stopped = await RowAsync(Running.InstanceId);
        Assert.Equal(("stopped", T0.AddSeconds(4), (string?)null), (stopped.State, stopped.StateSince, stopped.NextState));
        // A stopped instance of the generated fleet: its row is created, still stopped.
        await actions.StopAsync(Stopped.InstanceId, CancellationToken.None);
        await ExpectAsync(actions, InstanceState.Stopped, Stopped.InstanceType, StatusChecks.NotApplicable, Stopped.InstanceId);
    }

    [Fact]
    public async Task StartAsync_RunningOrPending_ChangesNothing()
    {
        var actions = Actions(new SandboxActionOptions { Jitter = 0 }, () => 0.5);
        await actions.StartAsync(Running.InstanceId, CancellationToken.None);
        await ExpectAsync(actions, InstanceState.Running, Running.InstanceType, StatusChecks.Ok);

        await actions.StartAsync(Stopped.InstanceId, CancellationToken.None);
        _clock.SetUtcNow(T0.AddSeconds(5));
        await actions.StartAsync(Stopped.InstanceId, CancellationToken.None);

        var row = await RowAsync(Stopped.InstanceId);
        Assert.Equal(("pending", T0, T0.AddSeconds(6), T0.AddSeconds(11)), (row.State, row.StateSince, row.NextStateAt, row.ChecksAt));
        _clock.SetUtcNow(T0.AddSeconds(11));
        await ExpectAsync(actions, InstanceState.Running, Stopped.InstanceType, StatusChecks.Ok, Stopped.InstanceId);
    }

    [Fact]
    public async Task StopAsync_Pending_IncorrectState()
    {
        var actions = Actions(new SandboxActionOptions(), () => 0.5);
        await actions.StartAsync(Stopped.InstanceId, CancellationToken.None);

        var e = await Assert.ThrowsAsync<InstanceActionException>(() => actions.StopAsync(Stopped.InstanceId, CancellationToken.None));

        Assert.Equal(ActionFailure.IncorrectState, e.Failure);
        Assert.Contains("not in a state from which it can be stopped", e.Message, StringComparison.Ordinal);
        await ExpectAsync(actions, InstanceState.Pending, Stopped.InstanceType, StatusChecks.NotApplicable, Stopped.InstanceId);
    }

    [Fact]
    public async Task StartAsync_Stopping_IncorrectState()
    {
        var actions = Actions(new SandboxActionOptions(), () => 0.5);
        await actions.StopAsync(Running.InstanceId, CancellationToken.None);

        var e = await Assert.ThrowsAsync<InstanceActionException>(() => actions.StartAsync(Running.InstanceId, CancellationToken.None));

        Assert.Equal(ActionFailure.IncorrectState, e.Failure);
        Assert.True(e.IsTransient);
        Assert.Contains("not in a state from which it can be started", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModifyInstanceTypeAsync_Running_IncorrectStateAndTypeUnchanged()
    {
        var actions = Actions(new SandboxActionOptions(), () => 0.5);

        var e = await Assert.ThrowsAsync<InstanceActionException>(
            () => actions.ModifyInstanceTypeAsync(Running.InstanceId, NewType, CancellationToken.None));

        Assert.Equal(ActionFailure.IncorrectState, e.Failure);
        Assert.Contains($"the instance '{Running.InstanceId}' is not in the 'stopped' state", e.Message, StringComparison.Ordinal);
        await ExpectAsync(actions, InstanceState.Running, Running.InstanceType, StatusChecks.Ok);
        await using var db = new CostPilotDbContext(_dbOptions);
        Assert.False(await db.SandboxInstances.AnyAsync()); // a refused action leaves no row behind
    }

    [Fact]
    public async Task ModifyInstanceTypeAsync_UnknownType_Rejected()
    {
        var actions = Actions(new SandboxActionOptions(), () => 0.5);
        await actions.StopAsync(Running.InstanceId, CancellationToken.None);
        _clock.SetUtcNow(T0.AddMinutes(1));

        var e = await Assert.ThrowsAsync<InstanceActionException>(
            () => actions.ModifyInstanceTypeAsync(Running.InstanceId, "m9.huge", CancellationToken.None));

        Assert.Equal(ActionFailure.Rejected, e.Failure);
        Assert.Contains("m9.huge", e.Message, StringComparison.Ordinal);
        await ExpectAsync(actions, InstanceState.Stopped, Running.InstanceType, StatusChecks.NotApplicable);
    }

    [Fact]
    public async Task StartAsync_FailureRate1_InsufficientCapacityAfterAModifyButNotOnTheRollbacksStart()
    {
        var actions = Actions(new SandboxActionOptions { FailureRate = 1 }, () => 0.999);
        await StopAndModifyAsync(actions, Running.InstanceId, Running.InstanceType, NewType);

        var e = await Assert.ThrowsAsync<InstanceActionException>(() => actions.StartAsync(Running.InstanceId, CancellationToken.None));

        Assert.Equal(ActionFailure.InsufficientCapacity, e.Failure);
        Assert.Equal($"Could not start {Running.InstanceId}: We currently do not have sufficient {NewType} capacity in the Availability Zone you requested "
            + $"({Running.AvailabilityZone}). (Simulated by the sample account.)", e.Message);
        await ExpectAsync(actions, InstanceState.Stopped, NewType, StatusChecks.NotApplicable);

        // The rollback: back to the original type, then the start succeeds.
        await actions.ModifyInstanceTypeAsync(Running.InstanceId, Running.InstanceType, CancellationToken.None);
        await actions.StartAsync(Running.InstanceId, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await ExpectAsync(actions, InstanceState.Running, Running.InstanceType, StatusChecks.Ok);
    }

    [Fact]
    public async Task StartAsync_UntaggedStoppedInstanceWithFailureRate1_Starts()
    {
        var actions = Actions(new SandboxActionOptions { FailureRate = 1 }, () => 0.0);

        await actions.StartAsync(Stopped.InstanceId, CancellationToken.None);

        await ExpectAsync(actions, InstanceState.Pending, Stopped.InstanceType, StatusChecks.NotApplicable, Stopped.InstanceId);
    }

    [Fact]
    public async Task StartAsync_FailureRate0_NeverFails()
    {
        var draw = 0;
        // Every draw from 0 up to just below 1, in turn.
        var actions = Actions(new SandboxActionOptions { FailureRate = 0 }, () => draw++ % 20 / 20.0);
        string[] types = [NewType, Running.InstanceType];

        for (var i = 0; i < 20; i++)
        {
            await StopAndModifyAsync(actions, Running.InstanceId, Running.InstanceType, types[i % 2]);
            await actions.StartAsync(Running.InstanceId, CancellationToken.None);
            _clock.Advance(TimeSpan.FromMinutes(1));
            await ExpectAsync(actions, InstanceState.Running, types[i % 2], StatusChecks.Ok);
        }
    }

    [Fact]
    public async Task StartAsync_ImpairedChecksRate1AfterAModify_ChecksImpairedButNotAfterTheRollback()
    {
        var actions = Actions(new SandboxActionOptions { FailureRate = 0, ImpairedChecksRate = 1 }, () => 0.5);
        await StopAndModifyAsync(actions, Running.InstanceId, Running.InstanceType, NewType);
        await actions.StartAsync(Running.InstanceId, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await ExpectAsync(actions, InstanceState.Running, NewType, StatusChecks.Impaired);

        await StopAndModifyAsync(actions, Running.InstanceId, Running.InstanceType, Running.InstanceType);
        await actions.StartAsync(Running.InstanceId, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));

        await ExpectAsync(actions, InstanceState.Running, Running.InstanceType, StatusChecks.Ok);
    }

    [Fact]
    public async Task UnknownInstance_DescribeNullAndEveryActionNotFound()
    {
        var actions = Actions(new SandboxActionOptions(), () => 0.5);
        var elsewhere = SandboxFleet.Default.Instances.First(i => i.Region != Region).Instance.InstanceId;

        foreach (var id in new[] { "i-0000000000000000f", elsewhere })
        {
            Assert.Null(await actions.DescribeAsync(id, CancellationToken.None));
            foreach (var call in new Func<Task>[]
            {
                () => actions.DryRunAsync(InstanceAction.Stop, id, null, CancellationToken.None),
                () => actions.StopAsync(id, CancellationToken.None),
                () => actions.StartAsync(id, CancellationToken.None),
                () => actions.ModifyInstanceTypeAsync(id, NewType, CancellationToken.None),
                () => actions.TagOriginalTypeAsync(id, "m5.large", CancellationToken.None),
            })
            {
                var e = await Assert.ThrowsAsync<InstanceActionException>(call);
                Assert.Equal(ActionFailure.NotFound, e.Failure);
                Assert.Contains(id, e.Message, StringComparison.Ordinal);
            }
        }
        await actions.DryRunAsync(InstanceAction.ModifyInstanceType, Running.InstanceId, NewType, CancellationToken.None);
        await using var db = new CostPilotDbContext(_dbOptions);
        Assert.False(await db.SandboxInstances.AnyAsync());
    }

    [Fact]
    public async Task StartAndModify_ConcurrentOnOneStoppedInstance_TheModifyWaitsAndSeesTheStart()
    {
        var setUp = Actions(new SandboxActionOptions(), () => 0.5);
        await setUp.TagOriginalTypeAsync(Running.InstanceId, Running.InstanceType, CancellationToken.None);
        await setUp.StopAsync(Running.InstanceId, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var otherNode = Actions(new SandboxActionOptions(), () => 0.5);
        Task? modify = null;
        var waited = false;
        // The start draws its jitter while it holds the row: the other node's modify starts then, and must wait for the row.
        var starting = Actions(new SandboxActionOptions(), () =>
        {
            if (modify is null)
            {
                modify = Task.Run(() => otherNode.ModifyInstanceTypeAsync(Running.InstanceId, NewType, CancellationToken.None));
                waited = WaitForALockWait(modify);
            }
            return 0.5;
        });

        await Task.Run(() => starting.StartAsync(Running.InstanceId, CancellationToken.None));

        Assert.True(waited, "The modify did not wait for the start's lock.");
        var e = await Assert.ThrowsAsync<InstanceActionException>(() => modify!);
        Assert.Equal(ActionFailure.IncorrectState, e.Failure);
        await ExpectAsync(setUp, InstanceState.Pending, Running.InstanceType, StatusChecks.NotApplicable);
    }

    [Fact]
    public async Task TagAndStop_ConcurrentFirstActionsOnAFleetInstance_BothKept()
    {
        var a = Actions(new SandboxActionOptions(), () => 0.5);
        var b = Actions(new SandboxActionOptions(), () => 0.5);

        await Task.WhenAll(
            Task.Run(() => a.TagOriginalTypeAsync(Running.InstanceId, Running.InstanceType, CancellationToken.None)),
            Task.Run(() => b.StopAsync(Running.InstanceId, CancellationToken.None)));

        var seen = await ExpectAsync(a, InstanceState.Stopping, Running.InstanceType, StatusChecks.NotApplicable);
        Assert.Equal(Running.InstanceType, seen.OriginalTypeTag);
    }

    [Fact]
    public void Constructor_FailureRateAboveOne_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Actions(new SandboxActionOptions { FailureRate = 1.5 }, () => 0.5));

        Assert.Contains("FailureRate", e.Message, StringComparison.Ordinal);
    }

    private SandboxInstanceActions Actions(SandboxActionOptions options, Func<double> random) =>
        new(new Contexts(_dbOptions), InstanceTypeCatalog.Default, options, _clock, random, _accountId, Region);

    private async Task StopAndModifyAsync(SandboxInstanceActions actions, string instanceId, string original, string type)
    {
        await actions.TagOriginalTypeAsync(instanceId, original, CancellationToken.None);
        await actions.StopAsync(instanceId, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await actions.ModifyInstanceTypeAsync(instanceId, type, CancellationToken.None);
    }

    private static async Task<ObservedInstance> ExpectAsync(SandboxInstanceActions actions, InstanceState state, string type, StatusChecks checks,
        string? instanceId = null)
    {
        var seen = await actions.DescribeAsync(instanceId ?? Running.InstanceId, CancellationToken.None);
        Assert.NotNull(seen);
        Assert.Equal((state, type, checks), (seen.State, seen.InstanceType, seen.Checks));
        return seen;
    }

    private async Task<SandboxInstance> RowAsync(string instanceId)
    {
        await using var db = new CostPilotDbContext(_dbOptions);
        return await db.SandboxInstances.SingleAsync(i => i.AccountId == _accountId && i.InstanceId == instanceId);
    }

    /// <summary>True once a session of the test database waits for a row lock; false if <paramref name="task"/> ends first (or 10 s pass).</summary>
    private bool WaitForALockWait(Task task)
    {
        using var connection = new NpgsqlConnection(TestPostgres.ConnectionStringFor("postgres"));
        connection.Open();
        using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db AND wait_event_type = 'Lock'", connection);
        command.Parameters.AddWithValue("db", _database);
        var clock = Stopwatch.StartNew();
        while (!task.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if ((long)command.ExecuteScalar()! > 0)
            {
                return true;
            }
            Thread.Sleep(20);
        }
        return false;
    }

    private sealed class Contexts(DbContextOptions<CostPilotDbContext> options) : IDbContextFactory<CostPilotDbContext>
    {
        public CostPilotDbContext CreateDbContext() => new(options);
    }
}
