using System.Security.Claims;
using Bunit;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Tests.Support;
using CostPilot.Web.Auth;
using CostPilot.Web.Components.Pages.Admin;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Components;

/// <summary>The admin's Prices card: where prices come from, how old they are, the last refresh, and asking for a new one.</summary>
public sealed class PricesCardTests : ComponentTestBase
{
    private readonly RecordingJobs _jobs = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private string _database = "";
    private CostInventory _db = default!;

    public override async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var connectionString = TestPostgres.ConnectionStringFor(_database);
        _db = new CostInventory(connectionString);
        Context.Services.AddDbContextFactory<CostPilotDbContext>(o => DesignTimeDbContextFactory.Configure(o, connectionString));
        Context.Services.AddSingleton(sp => new PriceCatalogProvider(sp.GetRequiredService<IDbContextFactory<CostPilotDbContext>>(),
            NullLogger<PriceCatalogProvider>.Instance));
        Context.Services.AddSingleton<IBackgroundJobClient>(_jobs);
        Context.Services.AddSingleton<TimeProvider>(_clock);
        Context.Services.AddSingleton<PricingAdminService>();
        Context.Services.AddCallerServices();
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("admin@costpilot.test");
        auth.SetRoles(Roles.Admin);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "admin-id"));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public void ShippedSnapshot_ShowsSourceDateCountsAndAStaleWarning()
    {
        var published = SnapshotPriceCatalog.Default.Info.PublishedAt;
        _clock.SetUtcNow(published.AddDays(133));

        var card = Context.Render<PricesCard>();

        card.WaitForAssertion(() => Assert.Equal("shipped snapshot", card.Find("[data-testid=prices-source]").TextContent.Trim()));
        Assert.Contains(published.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), card.Markup, StringComparison.Ordinal);
        var age = card.Find("[data-testid=prices-age]");
        Assert.Equal("133 days old", age.TextContent.Trim());
        Assert.Contains("warning", age.ClassName, StringComparison.Ordinal);
        Assert.Matches(@"^[\d,]+ in \d+ regions$", card.Find("[data-testid=prices-count]").TextContent.Trim());
        Assert.Equal("never", card.Find("[data-testid=prices-last-refresh]").TextContent.Trim());
    }

    [Fact]
    public void FreshPrices_AreNotFlagged()
    {
        _clock.SetUtcNow(SnapshotPriceCatalog.Default.Info.PublishedAt.AddDays(12));

        var card = Context.Render<PricesCard>();

        card.WaitForAssertion(() => Assert.Equal("12 days old", card.Find("[data-testid=prices-age]").TextContent.Trim()));
        Assert.DoesNotContain("warning", card.Find("[data-testid=prices-age]").ClassName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedLastRefresh_ShowsWhenAndItsMessage()
    {
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        await _db.ExecuteAsync("""
            INSERT INTO price_refreshes (started_at, finished_at, succeeded, message)
            VALUES (@started, @finished, false, 'AWS Price List answered 503 Service Unavailable.')
            """, ("started", _clock.GetUtcNow().AddHours(-3)), ("finished", _clock.GetUtcNow().AddHours(-2)));

        var card = Context.Render<PricesCard>();

        card.WaitForAssertion(() => Assert.Contains("failed", card.Find("[data-testid=prices-last-refresh]").TextContent, StringComparison.Ordinal));
        Assert.Contains("2026-11-30 10:00 UTC (2 h ago)", card.Find("[data-testid=prices-last-refresh]").TextContent, StringComparison.Ordinal);
        Assert.StartsWith("AWS Price List answered 503 Service Unavailable.", card.Find("[data-testid=prices-refresh-message]").TextContent.Trim(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshNow_EnqueuesTheJob_AndShowsWhyNotWhenOneIsRunning()
    {
        var card = Context.Render<PricesCard>();
        card.WaitForAssertion(() => Assert.False(card.Find("[data-testid=refresh-prices]").HasAttribute("disabled")));

        await card.Find("[data-testid=refresh-prices]").ClickAsync(new());

        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=prices-requested]")));
        Assert.Equal(nameof(PriceRefreshJob.RunAsync), Assert.Single(_jobs.Created).Method.Name);

        // Another admin's refresh started meanwhile: the service says so and the card shows it.
        await _db.ExecuteAsync("INSERT INTO price_refreshes (started_at) VALUES (@started)", ("started", _clock.GetUtcNow()));
        card.Render();
        await card.Find("[data-testid=refresh-prices]").ClickAsync(new());

        card.WaitForAssertion(() => Assert.Equal("A price refresh is already running.", card.Find("[data-testid=prices-error]").TextContent.Trim()));
        Assert.Single(_jobs.Created);
    }
}
