using System.Security.Claims;
using Bunit;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using CostPilot.Web.Auth;
using CostPilot.Web.Components.Pages.Admin;
using CostPilot.Web.Components.Shared;
using Hangfire;
using Hangfire.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using Npgsql;

namespace CostPilot.Tests.Components;

/// <summary>The users page as a super admin sees it, on a database of its own: rows and their hooks, and the delete confirmation.</summary>
public sealed class UsersPageTests : ComponentTestBase
{
    private string _database = "";
    private NpgsqlDataSource? _dataSource;
    private CostInventory _db = default!;
    private string _superAdminId = "";

    public override async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var connectionString = TestPostgres.ConnectionStringFor(_database);
        _db = new CostInventory(connectionString);
        _dataSource = new NpgsqlDataSourceBuilder(connectionString).EnableDynamicJson().Build();
        await using (var roles = _dataSource.CreateCommand("""
            INSERT INTO roles (id, name, normalized_name) VALUES ('r-client', 'client', 'CLIENT'), ('r-admin', 'admin', 'ADMIN'),
                ('r-super', 'super_admin', 'SUPER_ADMIN')
            """))
        {
            await roles.ExecuteNonQueryAsync();
        }
        _superAdminId = await UserWithRoleAsync("r-super");
        Context.Services.AddLogging();
        Context.Services.AddDbContextFactory<CostPilotDbContext>(o => o.UseNpgsql(_dataSource).UseSnakeCaseNamingConvention());
        Context.Services.AddSingleton(_dataSource);
        Context.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow));
        Context.Services.AddSingleton<AuditTrail>();
        Context.Services.AddSingleton<AccountEventPublisher>();
        Context.Services.AddSingleton<IRecurringJobManager, NoRecurringJobs>();
        Context.Services.AddSingleton<UserAdminService>();
        Context.Services.AddCallerServices();
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("root@costpilot.test");
        auth.SetRoles(Roles.SuperAdmin);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, _superAdminId), new Claim(ClaimTypes.Email, "root@costpilot.test"));
    }

    [Fact]
    public async Task Users_RowsCarryHooksAndStatus_SelfHasNoActions()
    {
        var client = await UserWithRoleAsync("r-client");
        await ExecuteAsync($"UPDATE users SET disabled_at = now() WHERE id = '{client}'");

        var page = Context.Render<Users>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=user-row]").Count));
        Assert.Equal("disabled", Row(page, client).GetAttribute("data-status"));
        Assert.Equal("active", Row(page, _superAdminId).GetAttribute("data-status"));
        Assert.Single(Row(page, client).QuerySelectorAll("[data-testid=user-actions]"));
        Assert.Empty(Row(page, _superAdminId).QuerySelectorAll("[data-testid=user-actions]"));
    }

    [Fact]
    public async Task DeleteUser_Confirmation_NamesTheEmailAccountsAndInstances_ConfirmDeletes()
    {
        var client = await UserWithRoleAsync("r-client");
        var prod = await _db.AccountAsync(client, "Prod", "111111111111", method: "AccessKeys");
        var dev = await _db.AccountAsync(client, "Dev", "222222222222");
        await _db.InstanceAsync(prod, "i-0000000000000001", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "catalog");
        await _db.InstanceAsync(prod, "i-0000000000000002", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "catalog");
        await _db.InstanceAsync(dev, "i-0000000000000003", "us-east-1", "t3.micro", "stopped", null, null, null);
        var popovers = Context.Render<MudPopoverProvider>();
        var dialogs = Context.Render<MudDialogProvider>();
        Context.Render<MudSnackbarProvider>();
        var page = Context.Render<Users>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=user-row]").Count));

        Row(page, client).QuerySelector("[data-testid=user-actions] button")!.Click();
        var hooks = popovers.WaitForElements("[data-testid$=-user]");
        Assert.Equal(["lock-user", "disable-user", "sign-out-user", "promote-user", "delete-user"], hooks.Select(h => h.GetAttribute("data-testid")));
        Task deleting = Task.CompletedTask;
        await popovers.InvokeAsync(() => { deleting = popovers.Find("[data-testid=delete-user]").ClickAsync(new()); });

        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=confirm-user-action]")));
        var message = dialogs.Find("[data-testid=user-action-message]").TextContent;
        Assert.Contains($"{client}@costpilot.test", message, StringComparison.Ordinal);
        Assert.Contains("2 AWS accounts and 3 instances", message, StringComparison.Ordinal);
        Assert.Equal(["Dev", "Prod"], dialogs.FindAll("[data-testid=user-action-items] li").Select(li => li.TextContent));

        dialogs.Find("button[data-testid=confirm-user-action]").Click();
        await deleting;

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=user-row]")));
        await using var db = new CostPilotDbContext(new DbContextOptionsBuilder<CostPilotDbContext>().UseNpgsql(_dataSource!).UseSnakeCaseNamingConvention().Options);
        Assert.False(await db.Accounts.AnyAsync(a => a.OwnerId == client));
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

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<Users> page, string userId) =>
        page.Find($"[data-testid=user-row][data-user-id=\"{userId}\"]");

    private async Task<string> UserWithRoleAsync(string roleId)
    {
        var id = await _db.UserAsync();
        await ExecuteAsync($"INSERT INTO user_roles (user_id, role_id) VALUES ('{id}', '{roleId}')");
        return id;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _dataSource!.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class NoRecurringJobs : IRecurringJobManager
    {
        public void AddOrUpdate(string recurringJobId, Job job, string cronExpression, RecurringJobOptions options) { }

        public void Trigger(string recurringJobId) { }

        public void RemoveIfExists(string recurringJobId) { }
    }
}
