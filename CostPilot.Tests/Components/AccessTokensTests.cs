using System.Security.Claims;
using Bunit;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Pages.Account;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Components;

/// <summary>The profile page's API tokens card on a database of its own: empty state, create (shown once), errors, revoke.</summary>
public sealed class AccessTokensTests : ComponentTestBase
{
    private string _database = "";
    private NpgsqlDataSource? _dataSource;
    private string _userId = "";

    public override async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var connectionString = TestPostgres.ConnectionStringFor(_database);
        _dataSource = new NpgsqlDataSourceBuilder(connectionString).EnableDynamicJson().Build();
        _userId = await new CostInventory(connectionString).UserAsync();
        Context.Services.AddDbContextFactory<CostPilotDbContext>(o => o.UseNpgsql(_dataSource).UseSnakeCaseNamingConvention());
        Context.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow));
        Context.Services.AddSingleton<AuditTrail>();
        Context.Services.AddSingleton<PersonalAccessTokenService>();
        Context.Services.AddCallerServices();
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("me@costpilot.test");
        auth.SetRoles(Roles.Client);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, _userId), new Claim(ClaimTypes.Email, "me@costpilot.test"));
        // As in the circuit; the prerendered card is the one test that says otherwise.
        Context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public void Render_NoTokens_SaysWhatTokensAreForAndLinksTheApiReference()
    {
        var card = Context.Render<AccessTokens>();

        card.WaitForAssertion(() => Assert.NotNull(card.Find("[data-testid=tokens-empty]")));
        Assert.Contains("REST API", card.Find("[data-testid=tokens-empty]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(card.Find("[data-testid=tokens-empty] a[href='/api/docs']"));
        Assert.Empty(card.FindAll("[data-testid=token-row]"));
        Assert.NotNull(card.Find("[data-testid=tokens-card]"));
    }

    [Fact]
    public async Task Create_ShowsTheTokenOnce_ListsItWithoutTheSecret_AndTheTokenWorks()
    {
        var card = Context.Render<AccessTokens>(p => p.Add(c => c.ClientAddress, "198.51.100.4"));
        card.WaitForAssertion(() => card.Find("[data-testid=tokens-empty]"));

        card.Find("[data-testid=token-name]").Input("nightly report");
        card.Find("[data-testid=token-expiry]").Change("never");
        await card.Find("[data-testid=token-create]").ClickAsync(new());

        card.WaitForAssertion(() => Assert.Single(card.FindAll("[data-testid=token-row]")));
        var token = card.Find("[data-testid=token-created] [data-testid=token-value]").TextContent.Trim();
        Assert.StartsWith("cpat_", token, StringComparison.Ordinal);
        Assert.Contains("will not be shown again", card.Find("[data-testid=token-created]").TextContent, StringComparison.Ordinal);
        var row = card.Find("[data-testid=token-row]");
        Assert.Contains("nightly report", row.TextContent, StringComparison.Ordinal);
        Assert.Contains(token[..13], row.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(token, row.TextContent, StringComparison.Ordinal);
        Assert.Contains("Never", row.TextContent, StringComparison.Ordinal);
        Assert.Equal("", card.Find("[data-testid=token-name]").GetAttribute("value") ?? "");
        var tokens = Context.Services.GetRequiredService<PersonalAccessTokenService>();
        Assert.Equal(_userId, (await tokens.AuthenticateAsync(token))?.UserId);
        await using (var db = NewContext())
        {
            var stored = await db.PersonalAccessTokens.SingleAsync();
            Assert.Null(stored.ExpiresAt);
            Assert.Equal("198.51.100.4", (await db.AuditEvents.SingleAsync()).Address);
        }

        // Shown once: the card rendered afresh (the page reloaded) lists the token but never shows it again.
        var reloaded = Context.Render<AccessTokens>();
        reloaded.WaitForAssertion(() => Assert.Single(reloaded.FindAll("[data-testid=token-row]")));
        Assert.Empty(reloaded.FindAll("[data-testid=token-created]"));
        Assert.DoesNotContain(token, reloaded.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_DefaultExpiry_NinetyDays()
    {
        var card = Context.Render<AccessTokens>();
        card.WaitForAssertion(() => card.Find("[data-testid=tokens-empty]"));

        card.Find("[data-testid=token-name]").Input("ci");
        await card.Find("[data-testid=token-create]").ClickAsync(new());

        card.WaitForAssertion(() => Assert.Single(card.FindAll("[data-testid=token-row]")));
        await using var db = NewContext();
        var stored = await db.PersonalAccessTokens.SingleAsync();
        Assert.Equal(stored.CreatedAt.AddDays(90), stored.ExpiresAt);
    }

    [Fact]
    public async Task Create_WithoutAName_ShowsTheErrorAndCreatesNothing()
    {
        var card = Context.Render<AccessTokens>();
        card.WaitForAssertion(() => card.Find("[data-testid=tokens-empty]"));

        card.Find("[data-testid=token-name]").Input("   ");
        await card.Find("[data-testid=token-create]").ClickAsync(new());

        card.WaitForAssertion(() => Assert.Contains("Give the token a name", card.Find("[data-testid=form-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(card.FindAll("[data-testid=token-created]"));
        Assert.Empty(card.FindAll("[data-testid=token-row]"));
        await using var db = NewContext();
        Assert.False(await db.PersonalAccessTokens.AnyAsync());
    }

    [Fact]
    public async Task Revoke_AsksFirst_CancelKeepsIt_ConfirmRevokesAndTheTokenStopsWorking()
    {
        var tokens = Context.Services.GetRequiredService<PersonalAccessTokenService>();
        var caller = Callers.Client(_userId);
        var keep = (await tokens.CreateAsync(caller, "keep", null)).Value!;
        var revoke = (await tokens.CreateAsync(caller, "revoke me", 30)).Value!;
        var card = Context.Render<AccessTokens>();
        card.WaitForAssertion(() => Assert.Equal(2, card.FindAll("[data-testid=token-row]").Count));

        await RowOf(card, revoke.Id).QuerySelector("[data-testid=token-revoke]")!.ClickAsync(new());
        await RowOf(card, revoke.Id).QuerySelector("[data-testid=token-revoke-cancel]")!.ClickAsync(new());
        Assert.Equal(2, card.FindAll("[data-testid=token-row]").Count);
        Assert.NotNull(await tokens.AuthenticateAsync(revoke.Token));

        await RowOf(card, revoke.Id).QuerySelector("[data-testid=token-revoke]")!.ClickAsync(new());
        Assert.Contains("stops working at once", RowOf(card, revoke.Id).TextContent, StringComparison.Ordinal);
        await RowOf(card, revoke.Id).QuerySelector("[data-testid=token-revoke-confirm]")!.ClickAsync(new());

        card.WaitForAssertion(() => Assert.Single(card.FindAll("[data-testid=token-row]")));
        Assert.Contains("keep", card.Find("[data-testid=token-row]").TextContent, StringComparison.Ordinal);
        Assert.Null(await tokens.AuthenticateAsync(revoke.Token));
        Assert.NotNull(await tokens.AuthenticateAsync(keep.Token));
    }

    [Fact]
    public async Task Render_Prerendered_ButtonsWaitForTheCircuit()
    {
        await Context.Services.GetRequiredService<PersonalAccessTokenService>().CreateAsync(Callers.Client(_userId), "ci", null);
        Context.SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        var card = Context.Render<AccessTokens>();

        card.WaitForAssertion(() => Assert.Single(card.FindAll("[data-testid=token-row]")));
        Assert.True(card.Find("[data-testid=token-create]").HasAttribute("disabled"));
        Assert.True(card.Find("[data-testid=token-revoke]").HasAttribute("disabled"));
    }

    private static AngleSharp.Dom.IElement RowOf(IRenderedComponent<AccessTokens> card, Guid id) =>
        card.Find($"[data-testid=token-row][data-token-id=\"{id}\"]");

    private CostPilotDbContext NewContext() =>
        new(new DbContextOptionsBuilder<CostPilotDbContext>().UseNpgsql(_dataSource!).UseSnakeCaseNamingConvention().Options);
}
