using Bunit;
using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Pages.Admin;
using CostPilot.Web.Components.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Components;

/// <summary>The System page's health history card: status strips, latency chart, the range toggle and the list of changes.</summary>
public sealed class HealthHistoryCardTests : ComponentTestBase
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 12, 7, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private string _database = "";
    private NpgsqlDataSource _dataSource = default!;

    public override async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var connectionString = TestPostgres.ConnectionStringFor(_database);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        Context.Services.AddDbContextFactory<CostPilotDbContext>(o => DesignTimeDbContextFactory.Configure(o, connectionString));
        Context.Services.AddSingleton<TimeProvider>(_clock);
        Context.Services.AddSingleton<HealthHistoryService>();
        Context.Services.AddSingleton(new HealthRunHub(_dataSource, NullLogger<HealthRunHub>.Instance));
        Context.Services.AddScoped<BrowserTimeZone>();
        await AddAsync(
            Record(Now.AddMinutes(-70), HealthService.Database, HealthStatus.Healthy, 3),
            Record(Now.AddMinutes(-65), HealthService.Jobs, HealthStatus.Healthy, 1),
            Record(Now.AddMinutes(-60), HealthService.Database, HealthStatus.Unhealthy, 900, "Cannot connect to the database."),
            Record(Now.AddMinutes(-30), HealthService.Database, HealthStatus.Healthy, 4));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _dataSource.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    private static HealthCheckRecord Record(DateTimeOffset at, string component, HealthStatus status, double ms, string detail = "ok") =>
        new() { CheckedAt = at, Component = component, Status = status, DurationMs = ms, Detail = detail };

    private async Task AddAsync(params HealthCheckRecord[] records)
    {
        await using var db = await Context.Services.GetRequiredService<IDbContextFactory<CostPilotDbContext>>().CreateDbContextAsync();
        db.HealthChecks.AddRange(records);
        await db.SaveChangesAsync();
    }

    private IRenderedComponent<HealthHistoryCard> Render() =>
        Context.Render<HealthHistoryCard>(p => p.Add(c => c.Caller, Callers.Admin()));

    [Fact]
    public void Render_Admin_ShowsStripsChartAndTheStatusChanges()
    {
        var card = Render();

        card.WaitForAssertion(() => Assert.Equal(2, card.FindAll("[data-testid=health-transition]").Count));
        Assert.NotNull(card.Find("[data-testid=health-history]"));
        Assert.NotNull(card.Find("[data-testid=health-range-24h]"));
        Assert.NotNull(card.Find("[data-testid=health-range-7d]"));
        var strips = card.FindAll("[data-testid=health-strip]");
        Assert.Equal([HealthService.Database, HealthService.Jobs], strips.Select(s => s.GetAttribute("data-component")));
        Assert.All(strips, s => Assert.Equal(24 * 4 + 1, s.QuerySelectorAll(".health-strip > span").Length));
        Assert.Contains("unhealthy", strips[0].QuerySelectorAll(".health-strip > span").Select(c => c.GetAttribute("data-status")));
        // The latency chart (its lines are drawn once the browser reports the chart's size).
        Assert.NotNull(card.Find("[data-testid=health-history] .mud-chart svg"));

        var rows = card.FindAll("[data-testid=health-transition]");
        Assert.Equal(["healthy", "unhealthy"], rows.Select(r => r.GetAttribute("data-status")));
        Assert.All(rows, r => Assert.Equal(HealthService.Database, r.GetAttribute("data-component")));
        Assert.Equal("2026-03-02T11:07:00.0000000Z", rows[1].QuerySelector("time")!.GetAttribute("data-utc"));
        Assert.Contains("Cannot connect to the database.", rows[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void RangeToggle_SevenDays_ShowsHourlyBuckets()
    {
        var card = Render();
        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=health-strip]")));

        card.Find("[data-testid=health-range-7d]").Click();

        card.WaitForAssertion(() => Assert.Equal(7 * 24 + 1, card.Find("[data-testid=health-strip] .health-strip").Children.Length));
        Assert.Equal("true", card.Find("[data-testid=health-range-7d]").GetAttribute("aria-pressed"));
    }

    [Fact]
    public async Task HealthRunRecorded_ReloadsWithoutPolling()
    {
        var card = Render();
        card.WaitForAssertion(() => Assert.Equal(2, card.FindAll("[data-testid=health-transition]").Count));

        await AddAsync(Record(Now.AddMinutes(-1), HealthService.Jobs, HealthStatus.Unhealthy, 2, "No job server is registered."));
        await ((INotificationChannel)Context.Services.GetRequiredService<HealthRunHub>()).OnNotificationAsync("", CancellationToken.None);

        card.WaitForAssertion(() => Assert.Equal(3, card.FindAll("[data-testid=health-transition]").Count));
        var newest = card.FindAll("[data-testid=health-transition]")[0];
        Assert.Equal(HealthService.Jobs, newest.GetAttribute("data-component"));
        Assert.Equal("unhealthy", newest.GetAttribute("data-status"));
    }

    [Fact]
    public void Render_Client_ShowsTheRefusalAndSubscribesToNothing()
    {
        var card = Context.Render<HealthHistoryCard>(p => p.Add(c => c.Caller, Callers.Client()));

        card.WaitForAssertion(() => Assert.Contains("Only administrators", card.Markup, StringComparison.Ordinal));
        Assert.Empty(card.FindAll("[data-testid=health-strip]"));
        Assert.Equal(0, Context.Services.GetRequiredService<HealthRunHub>().SubscriberCount);
    }
}
