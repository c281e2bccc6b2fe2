using CostPilot.Domain.Health;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Infrastructure.Health;

/// <summary>The System page's health history: buckets per component computed in the database, and the status changes.</summary>
public sealed class HealthHistoryServiceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 12, 7, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private string _database = "";
    private ServiceProvider _services = default!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var connectionString = TestPostgres.ConnectionStringFor(_database);
        _services = new ServiceCollection()
            .AddDbContextFactory<CostPilotDbContext>(o => DesignTimeDbContextFactory.Configure(o, connectionString))
            .BuildServiceProvider();
        await using var db = await _services.GetRequiredService<IDbContextFactory<CostPilotDbContext>>().CreateDbContextAsync();
        db.HealthChecks.AddRange(
            // Before the 24 h range (it starts at 03-01 12:00): not in a bucket, but the state the first record in range follows.
            Record("03-01 11:50", HealthService.Database, HealthStatus.Unhealthy, 50),
            Record("03-01 12:05", HealthService.Database, HealthStatus.Healthy, 4),
            Record("03-02 10:01", HealthService.Database, HealthStatus.Healthy, 10),
            Record("03-02 10:05", HealthService.Database, HealthStatus.Degraded, 30, "slow"),
            Record("03-02 10:14", HealthService.Database, HealthStatus.Healthy, 20),
            Record("03-02 10:16", HealthService.Database, HealthStatus.Unhealthy, 5, "down"),
            Record("03-02 10:02", HealthService.Jobs, HealthStatus.Healthy, 1),
            // Older than a week: in neither range.
            Record("02-20 10:00", HealthService.Storage, HealthStatus.Unhealthy, 1));
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    private HealthHistoryService Service() => new(_services.GetRequiredService<IDbContextFactory<CostPilotDbContext>>(), _clock);

    private static HealthCheckRecord Record(string at, string component, HealthStatus status, double ms, string detail = "ok") => new()
    {
        CheckedAt = At(at),
        Component = component,
        Status = status,
        DurationMs = ms,
        Detail = detail,
    };

    private static DateTimeOffset At(string monthDayTime) =>
        DateTimeOffset.ParseExact($"2026-{monthDayTime}Z", "yyyy-MM-dd HH:mmZ", System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    [Fact]
    public async Task GetAsync_Client_Forbidden()
    {
        var result = await Service().GetAsync(Callers.Client(), HealthRange.Day);

        Assert.Equal(ErrorKind.Forbidden, result.Error?.Kind);
        Assert.Null(result.Value);
    }

    [Fact]
    public async Task GetAsync_Day_FifteenMinuteBucketsWithWorstStatusAndLatency()
    {
        var history = (await Service().GetAsync(Callers.Admin(), HealthRange.Day)).Value!;

        Assert.Equal(At("03-01 12:00"), history.From);
        Assert.Equal(TimeSpan.FromMinutes(15), history.BucketSize);
        Assert.Equal(24 * 4 + 1, history.BucketStarts.Count);
        Assert.Equal(At("03-02 12:00"), history.BucketStarts[^1]);
        Assert.Equal([HealthService.Database, HealthService.Jobs], history.Components.Select(c => c.Component));
        var database = history.Components[0].Buckets;
        Assert.All(history.Components, c => Assert.Equal(history.BucketStarts, c.Buckets.Select(b => b.Start)));

        Assert.Equal(new HealthBucket(At("03-01 12:00"), HealthStatus.Healthy, 4, 4, 1), database[0]);
        Assert.Equal(new HealthBucket(At("03-02 10:00"), HealthStatus.Degraded, 20, 30, 3), Bucket(database, "03-02 10:00"));
        Assert.Equal(new HealthBucket(At("03-02 10:15"), HealthStatus.Unhealthy, 5, 5, 1), Bucket(database, "03-02 10:15"));
        Assert.Equal(new HealthBucket(At("03-02 10:15"), null, null, null, 0), Bucket(history.Components[1].Buckets, "03-02 10:15"));
        Assert.Equal(6, history.Components.Sum(c => c.Buckets.Sum(b => b.Checks)));
    }

    [Fact]
    public async Task GetAsync_Week_HourlyBuckets()
    {
        var history = (await Service().GetAsync(Callers.Admin(), HealthRange.Week)).Value!;

        Assert.Equal(At("02-23 12:00"), history.From);
        Assert.Equal(7 * 24 + 1, history.BucketStarts.Count);
        var database = Assert.Single(history.Components, c => c.Component == HealthService.Database).Buckets;
        Assert.Equal(new HealthBucket(At("03-02 10:00"), HealthStatus.Unhealthy, 16.25, 30, 4), Bucket(database, "03-02 10:00"));
        Assert.Equal(new HealthBucket(At("03-01 11:00"), HealthStatus.Unhealthy, 50, 50, 1), Bucket(database, "03-01 11:00"));
        Assert.DoesNotContain(history.Components, c => c.Component == HealthService.Storage);
    }

    [Fact]
    public async Task GetAsync_Day_ListsEachStatusChangeNewestFirst()
    {
        var history = (await Service().GetAsync(Callers.Admin(), HealthRange.Day)).Value!;

        Assert.Equal(
        [
            new HealthTransition(At("03-02 10:16"), HealthService.Database, HealthStatus.Healthy, HealthStatus.Unhealthy, "down"),
            new HealthTransition(At("03-02 10:14"), HealthService.Database, HealthStatus.Degraded, HealthStatus.Healthy, "ok"),
            new HealthTransition(At("03-02 10:05"), HealthService.Database, HealthStatus.Healthy, HealthStatus.Degraded, "slow"),
            // Its previous record is before the range: the change still counts.
            new HealthTransition(At("03-01 12:05"), HealthService.Database, HealthStatus.Unhealthy, HealthStatus.Healthy, "ok"),
        ], history.Transitions.Select(t => t with { At = t.At.ToUniversalTime() }));
    }

    private static HealthBucket Bucket(IReadOnlyList<HealthBucket> buckets, string start) => Assert.Single(buckets, b => b.Start == At(start));
}
