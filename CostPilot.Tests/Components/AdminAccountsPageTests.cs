using System.Security.Claims;
using AngleSharp.Dom;
using Bunit;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Tests.Support;
using CostPilot.Web.Auth;
using CostPilot.Web.Components.Pages.Admin;
using CostPilot.Web.Components.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CostPilot.Tests.Components;

/// <summary>
/// The admin accounts page on the real services and a database of its own (no job server): rows with their hooks, the owner
/// filter, and removal only after a confirmation that names the account and its owner. Each test seeds an owner of its own.
/// </summary>
public sealed class AdminAccountsPageTests(AdminAccountsPageTests.App app) : ComponentTestBase, IClassFixture<AdminAccountsPageTests.App>
{
    private const string AdminEmail = "page-admin@costpilot.test";
    private const string OwnerInput = "input[data-testid=admin-accounts-owner], [data-testid=admin-accounts-owner] input";
    private AsyncServiceScope _scope;

    private CostInventory Db => new(app.ConnectionString);

    public override Task InitializeAsync()
    {
        _scope = app.Services.CreateAsyncScope();
        Context.Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<AdminAccountService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<AccountEventHub>());
        Context.Services.AddCallerServices();
        var auth = Context.AddAuthorization();
        auth.SetAuthorized(AdminEmail);
        auth.SetRoles(Roles.Admin);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "page-admin-id"), new Claim(ClaimTypes.Email, AdminEmail));
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _scope.DisposeAsync();
    }

    [Fact]
    public async Task Render_RowsWithHooksOwnerCostAndActions()
    {
        var (owner, token) = await OwnerAsync();
        var fleet = await KnownFleet.SeedAsync(Db, owner, NewAwsId());
        var broken = await Db.AccountAsync(owner, "Broken keys", NewAwsId(), status: "Error", method: "AccessKeys");

        var page = Context.Render<Accounts>();

        page.WaitForAssertion(() => Assert.NotNull(RowOf(page, broken)));
        Assert.NotNull(page.Find("[data-testid=admin-accounts-grid]"));
        var rich = Marker(page, fleet);
        Assert.Equal("active", rich.GetAttribute("data-status"));
        Assert.Equal("error", Marker(page, broken).GetAttribute("data-status"));
        var row = RowOf(page, fleet)!;
        Assert.Equal($"{owner}@costpilot.test", row.QuerySelector("[data-testid=admin-account-owner]")!.TextContent.Trim());
        Assert.Equal("$24,227.32", row.QuerySelector("[data-testid=admin-account-cost]")!.TextContent.Trim());
        Assert.NotNull(row.QuerySelector("[data-testid=admin-rescan]"));
        Assert.NotNull(row.QuerySelector("[data-testid=admin-remove]"));
        Assert.Equal($"/admin/jobs?account={fleet}", row.QuerySelector("[data-testid=admin-last-failed-job]")!.GetAttribute("href"));
        Assert.Contains(token, row.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OwnerFilter_ShowsOnlyThatOwnersAccounts_ThenTheEmptyState()
    {
        var (mine, token) = await OwnerAsync();
        var (theirs, _) = await OwnerAsync();
        var kept = await Db.AccountAsync(mine, "Mine", NewAwsId(), method: "IamRole");
        var other = await Db.AccountAsync(theirs, "Theirs", NewAwsId(), method: "IamRole");
        var page = Context.Render<Accounts>();
        page.WaitForAssertion(() => Assert.NotNull(RowOf(page, other)));

        await page.Find(OwnerInput).InputAsync(new() { Value = token });

        page.WaitForAssertion(() => Assert.Equal([kept.ToString()], Markers(page).Select(m => m.GetAttribute("data-account-id"))));

        await page.Find(OwnerInput).InputAsync(new() { Value = "nobody-has-this-address" });

        page.WaitForAssertion(() => Assert.Equal("No account matches these filters.", page.Find("[data-testid=admin-accounts-empty]").TextContent.Trim()));
        Assert.Empty(Markers(page));
    }

    [Fact]
    public async Task Remove_AsksFirstNamingAccountAndOwner_CancelKeepsIt_ConfirmRemovesIt()
    {
        var (owner, _) = await OwnerAsync();
        var id = await Db.AccountAsync(owner, "Claimed by mistake", NewAwsId(), method: "IamRole");
        var dialogs = Context.Render<MudDialogProvider>();
        var page = Context.Render<Accounts>();
        page.WaitForAssertion(() => Assert.NotNull(RowOf(page, id)));

        var asking = await ClickAsync(page, p => RowOf(p, id)!.QuerySelector("[data-testid=admin-remove]")!);

        dialogs.WaitForAssertion(() => Assert.Contains("\"Claimed by mistake\"", dialogs.Markup, StringComparison.Ordinal));
        Assert.Contains($"{owner}@costpilot.test", dialogs.Markup, StringComparison.Ordinal);
        Assert.True(await ExistsAsync(id));
        await await ClickAsync(dialogs, d => d.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel"));
        await asking;
        Assert.True(await ExistsAsync(id));
        Assert.NotNull(RowOf(page, id));

        asking = await ClickAsync(page, p => RowOf(p, id)!.QuerySelector("[data-testid=admin-remove]")!);
        dialogs.WaitForAssertion(() => Assert.Contains("\"Claimed by mistake\"", dialogs.Markup, StringComparison.Ordinal));
        await await ClickAsync(dialogs, d => d.FindAll("button").Single(b => b.TextContent.Trim() == "Remove"));
        await asking;

        page.WaitForAssertion(() => Assert.Null(RowOf(page, id)));
        Assert.False(await ExistsAsync(id));
        await using var db = await app.CreateDbContextAsync();
        var entry = await db.AuditEvents.SingleAsync(e => e.TargetId == id.ToString());
        Assert.Equal((AuditActions.AdminAccountRemoved, AdminEmail), (entry.Action, entry.ActorEmail));
    }

    [Fact]
    public async Task AnotherTenantsEvent_ReloadsTheGridByPush()
    {
        var (owner, _) = await OwnerAsync();
        var page = Context.Render<Accounts>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=admin-accounts-grid]")));
        var id = await Db.AccountAsync(owner, "Connected just now", NewAwsId(), status: "Connected", method: "IamRole");
        Assert.Null(RowOf(page, id));

        await app.Services.GetRequiredService<AccountEventHub>()
            .DispatchAsync(AccountEvent.Changed(id, owner, AccountStatus.Connected, null, DateTimeOffset.UtcNow));

        page.WaitForAssertion(() => Assert.Equal("connected", Marker(page, id).GetAttribute("data-status")));
    }

    private async Task<(string Id, string Token)> OwnerAsync()
    {
        var token = Guid.NewGuid().ToString("N");
        return (await Db.UserAsync($"{token}-owner"), token);
    }

    private async Task<bool> ExistsAsync(Guid id)
    {
        await using var db = await app.CreateDbContextAsync();
        return await db.Accounts.AnyAsync(a => a.Id == id);
    }

    private static string NewAwsId() => "2" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static IReadOnlyList<IElement> Markers(IRenderedComponent<Accounts> page) => page.FindAll("[data-testid=admin-account-row]");

    private static IElement Marker(IRenderedComponent<Accounts> page, Guid id) => page.Find($"[data-testid=admin-account-row][data-account-id='{id}']");

    /// <summary>The grid row (tr) whose first cell holds the account's marker; null when the account is not listed.</summary>
    private static IElement? RowOf(IRenderedComponent<Accounts> page, Guid id) =>
        page.FindAll("tr").FirstOrDefault(tr => tr.QuerySelector($"[data-testid=admin-account-row][data-account-id='{id}']") is not null);

    private static async Task<Task> ClickAsync<T>(IRenderedComponent<T> component, Func<IRenderedComponent<T>, IElement> find)
        where T : Microsoft.AspNetCore.Components.IComponent
    {
        var clicked = Task.CompletedTask;
        // A statement, not an expression: InvokeAsync must not wait for the handler (it waits on the dialog).
        await component.InvokeAsync(() => { clicked = find(component).ClickAsync(new()); });
        return clicked;
    }

    /// <summary>The real app on its own database, without a job server.</summary>
    public sealed class App : CostPilotAppFactory
    {
        public App() => Settings["CostPilot:Jobs:Server"] = "false";
    }
}
