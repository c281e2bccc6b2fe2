using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Health;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Health;

/// <summary>An app node without a job server of its own: the job servers the health check sees are the ones a test announces.</summary>
public sealed class NoJobServerApp : CostPilotAppFactory
{
    public NoJobServerApp() => Settings["CostPilot:Jobs:Server"] = "false";
}

/// <summary>
/// The health monitor against job servers that stop and come back: a heartbeat older than two minutes makes the jobs component
/// unhealthy, and each change is logged once, however many runs see it. Time is a <see cref="FakeTimeProvider"/>; heartbeats
/// are written into Hangfire's own <c>hangfire.server</c> table.
/// </summary>
public sealed class HealthTransitionTests : IClassFixture<NoJobServerApp>, IAsyncLifetime
{
    private const string ServerId = "worker-7.internal:4242:0b8f3c1e-2a44-4b1d-9a0e-3f5a6b7c8d9e";
    private readonly NoJobServerApp _app;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date, TimeSpan.Zero).AddHours(12));
    private readonly LogCapture _logs = new();
    private readonly LoggerFactory _loggers;
    private readonly HealthService _health;

    public HealthTransitionTests(NoJobServerApp app)
    {
        _app = app;
        _loggers = new LoggerFactory([new CapturingLoggerProvider(_logs)]);
        _health = HealthServices.Create(app.Services, _clock, logger: _loggers.CreateLogger<HealthService>());
    }

    public async Task InitializeAsync()
    {
        await ExecuteAsync("DELETE FROM hangfire.server; DELETE FROM health_checks;");
    }

    public Task DisposeAsync()
    {
        _loggers.Dispose();
        return Task.CompletedTask;
    }

    private HealthMonitorJob NewJob() =>
        ActivatorUtilities.CreateInstance<HealthMonitorJob>(_app.Services, _health, _clock, _loggers.CreateLogger<HealthMonitorJob>());

    private List<LogEntry> JobsTransitions(LogLevel level) =>
        [.. _logs.Entries.Where(e => e.Category == typeof(HealthMonitorJob).FullName && e.Level == level
            && Equals(e.State.GetValueOrDefault("Component"), HealthService.Jobs))];

    private static ComponentHealth Jobs(HealthReport report) => Assert.Single(report.Components, c => c.Component == HealthService.Jobs);

    [Fact]
    public async Task RunAsync_JobServerStopsHeartbeating_TurnsUnhealthyAndLogsTheChangeOnce()
    {
        Announce(ServerId);
        await HeartbeatAsync(ServerId, _clock.GetUtcNow());

        Assert.Equal(HealthStatus.Healthy, Jobs(await NewJob().RunAsync(CancellationToken.None)).Status);

        // The server stops: no heartbeat for 2 min 1 s, then more minutes of runs.
        _clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        var stopped = Jobs(await NewJob().RunAsync(CancellationToken.None));
        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(HealthStatus.Unhealthy, Jobs(await NewJob().RunAsync(CancellationToken.None)).Status);
        }

        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Equal("No job server has sent a heartbeat in the last 2 minutes: worker-7.internal:4242 last seen 2 min ago.", stopped.Detail);
        var worse = Assert.Single(JobsTransitions(LogLevel.Warning));
        Assert.Equal("Healthy", worse.State["PreviousStatus"]);
        Assert.Equal(HealthStatus.Unhealthy, worse.State["HealthStatus"]);
        Assert.Equal(stopped.Detail, worse.State["Detail"]);
        Assert.Empty(JobsTransitions(LogLevel.Information));

        // It comes back: one recovery, logged once.
        await HeartbeatAsync(ServerId, _clock.GetUtcNow());
        for (var i = 0; i < 3; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(20));
            Assert.Equal(HealthStatus.Healthy, Jobs(await NewJob().RunAsync(CancellationToken.None)).Status);
        }
        var better = Assert.Single(JobsTransitions(LogLevel.Information));
        Assert.Equal("Unhealthy", better.State["PreviousStatus"]);
        Assert.Equal(HealthStatus.Healthy, better.State["HealthStatus"]);
        Assert.Single(JobsTransitions(LogLevel.Warning));

        await using var db = await _app.CreateDbContextAsync();
        var recorded = await db.HealthChecks.Where(h => h.Component == HealthService.Jobs).OrderBy(h => h.CheckedAt).Select(h => h.Status).ToListAsync();
        Assert.Equal(
            [HealthStatus.Healthy, .. Enumerable.Repeat(HealthStatus.Unhealthy, 5), .. Enumerable.Repeat(HealthStatus.Healthy, 3)],
            recorded);
    }

    [Fact]
    public async Task RunAsync_StateAlreadyRecordedBeforeARestart_IsNotLoggedAgain()
    {
        Announce(ServerId);
        await HeartbeatAsync(ServerId, _clock.GetUtcNow() - TimeSpan.FromMinutes(10));
        await NewJob().RunAsync(CancellationToken.None);
        Assert.Single(JobsTransitions(LogLevel.Warning));

        // A new process: nothing in memory, the previous state comes from the stored records.
        _clock.Advance(TimeSpan.FromMinutes(1));
        var restarted = HealthServices.Create(_app.Services, _clock, logger: _loggers.CreateLogger<HealthService>());
        await ActivatorUtilities.CreateInstance<HealthMonitorJob>(_app.Services, restarted, _clock, _loggers.CreateLogger<HealthMonitorJob>())
            .RunAsync(CancellationToken.None);

        Assert.Single(JobsTransitions(LogLevel.Warning));
    }

    [Fact]
    public async Task RunAsync_SeveralRunsAtOnce_LogTheChangeOnce()
    {
        Announce(ServerId);
        await HeartbeatAsync(ServerId, _clock.GetUtcNow());
        await NewJob().RunAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(3));

        // Two nodes (or a retry beside the next occurrence) running the same minute.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => NewJob().RunAsync(CancellationToken.None))));

        Assert.Single(JobsTransitions(LogLevel.Warning));
    }

    [Fact]
    public async Task CheckAsync_NoServerAtAll_IsUnhealthyAndSaysNoneIsRegistered()
    {
        var jobs = Jobs(await _health.CheckAsync());

        Assert.Equal(HealthStatus.Unhealthy, jobs.Status);
        Assert.Equal("No job server is registered.", jobs.Detail);
    }

    [Fact]
    public async Task CheckAsync_OneOfTwoServersSilent_IsDegradedAndNamesTheSilentOne()
    {
        const string Alive = "web-1:10:7d1c6f0a-5b1e-4a9b-8d1f-2e3c4b5a6d7e";
        Announce(ServerId);
        Announce(Alive);
        await HeartbeatAsync(ServerId, _clock.GetUtcNow() - TimeSpan.FromMinutes(75));
        await HeartbeatAsync(Alive, _clock.GetUtcNow() - TimeSpan.FromSeconds(30));

        var jobs = Jobs(await _health.CheckAsync());

        Assert.Equal(HealthStatus.Degraded, jobs.Status);
        Assert.Equal("1 of 2 job servers are alive; worker-7.internal:4242 last seen 1 h 15 min ago.", jobs.Detail);
    }

    [Fact]
    public async Task CheckAsync_HeartbeatExactlyTwoMinutesOld_IsStillAlive()
    {
        Announce(ServerId);
        await HeartbeatAsync(ServerId, _clock.GetUtcNow() - TimeSpan.FromMinutes(2));

        Assert.Equal(HealthStatus.Healthy, Jobs(await _health.CheckAsync()).Status);
    }

    [Fact]
    public async Task RunAsync_KeepsThirtyDaysOfRecords()
    {
        var now = _clock.GetUtcNow();
        await using (var db = await _app.CreateDbContextAsync())
        {
            db.HealthChecks.AddRange(
                new HealthCheckRecord { CheckedAt = now - TimeSpan.FromDays(8), Component = "week-old", Status = HealthStatus.Healthy, Detail = "" },
                new HealthCheckRecord { CheckedAt = now - TimeSpan.FromDays(29), Component = "month-old", Status = HealthStatus.Healthy, Detail = "" },
                new HealthCheckRecord { CheckedAt = now - TimeSpan.FromDays(31), Component = "too-old", Status = HealthStatus.Healthy, Detail = "" });
            await db.SaveChangesAsync();
        }

        await NewJob().RunAsync(CancellationToken.None);

        Assert.Equal(TimeSpan.FromDays(30), HealthMonitorJob.Retention);
        await using var check = await _app.CreateDbContextAsync();
        var left = await check.HealthChecks.Where(h => h.Component.EndsWith("-old")).Select(h => h.Component).OrderBy(c => c).ToListAsync();
        Assert.Equal(["month-old", "week-old"], left);
    }

    [Fact]
    public async Task RunAsync_Recorded_TellsSubscribedPagesOnEveryNode()
    {
        await _app.Services.GetRequiredService<CostPilot.Infrastructure.Notifications.PgNotificationListener>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hub = _app.Services.GetRequiredService<HealthRunHub>();
        Assert.Null(hub.Subscribe(Callers.Client(), () => Task.CompletedTask));
        using var subscription = hub.Subscribe(Callers.Admin(), () =>
        {
            heard.TrySetResult();
            return Task.CompletedTask;
        });

        await NewJob().RunAsync(CancellationToken.None);

        await heard.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private void Announce(string serverId)
    {
        using var connection = _app.Services.GetRequiredService<JobStorage>().GetConnection();
        connection.AnnounceServer(serverId, new ServerContext { WorkerCount = 2, Queues = ["default"] });
    }

    private Task HeartbeatAsync(string serverId, DateTimeOffset at) =>
        ExecuteAsync("UPDATE hangfire.server SET lastheartbeat = @at WHERE id = @id", ("at", at.UtcDateTime), ("id", serverId));

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        // The Hangfire schema is created when its storage is first used.
        _ = _app.Services.GetRequiredService<JobStorage>();
        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }
}
