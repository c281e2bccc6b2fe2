using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CostPilot.Tests.Infrastructure.Persistence;

/// <summary>The start-up seeding of the first super admin, run as Program runs it, on a fresh database per test.</summary>
public sealed class DatabaseInitializerTests : IAsyncLifetime
{
    private const string AdminPassword = "Admin-Passw0rd-Long";

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("costpilot-test-").FullName;
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_database);
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task InitializeDatabaseAsync_FreshDatabase_CreatesTheSuperAdmin()
    {
        var email = TestUsers.NewEmail("admin");

        await using var services = Services(email, AdminPassword);
        await services.InitializeDatabaseAsync();

        var admin = await TestUsers.FindAsync(services, email);
        Assert.Equal([Roles.SuperAdmin], await TestUsers.RolesOfAsync(services, admin.Id));
        await using var scope = services.CreateAsyncScope();
        Assert.True(await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().CheckPasswordAsync(admin, AdminPassword));
    }

    [Fact]
    public async Task InitializeDatabaseAsync_AdminEmailTakenByAClient_RefusesAndTheClientStaysAClient()
    {
        TestUser client;
        await using (var first = Services(adminEmail: "", adminPassword: ""))
        {
            await first.InitializeDatabaseAsync(); // no super admin yet; the roles exist
            client = await TestUsers.CreateClientAsync(first); // as self-registration makes it
        }

        await using var services = Services(client.Email, AdminPassword);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => services.InitializeDatabaseAsync());

        Assert.Contains($"COSTPILOT_ADMIN_EMAIL {client.Email} belongs to an existing account that is not a super admin", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Set COSTPILOT_ADMIN_EMAIL to an address no account uses", refused.Message, StringComparison.Ordinal);
        Assert.Contains("promote the account through them", refused.Message, StringComparison.Ordinal);
        Assert.Equal([Roles.Client], await TestUsers.RolesOfAsync(services, client.Id));
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.Empty(await users.GetUsersInRoleAsync(Roles.SuperAdmin));
        Assert.False(await users.CheckPasswordAsync(await TestUsers.FindAsync(services, client.Email), AdminPassword));
    }

    [Fact]
    public async Task InitializeDatabaseAsync_SuperAdminExists_LeavesAnAccountWithTheAdminEmailAlone()
    {
        var firstAdmin = TestUsers.NewEmail("admin");
        TestUser client;
        await using (var first = Services(firstAdmin, AdminPassword))
        {
            await first.InitializeDatabaseAsync();
            client = await TestUsers.CreateClientAsync(first);
        }

        await using var services = Services(client.Email, AdminPassword);
        await services.InitializeDatabaseAsync();

        Assert.Equal([Roles.Client], await TestUsers.RolesOfAsync(services, client.Id));
        await using var scope = services.CreateAsyncScope();
        var superAdmin = Assert.Single(await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().GetUsersInRoleAsync(Roles.SuperAdmin));
        Assert.Equal(firstAdmin, superAdmin.Email);
    }

    /// <summary>The app's services as Program builds them (not started), with only these admin settings.</summary>
    private ServiceProvider Services(string adminEmail, string adminPassword)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration["ConnectionStrings:Default"] = TestPostgres.ConnectionStringFor(_database);
        builder.Configuration["DATABASE_URL"] = "";
        builder.Configuration["CostPilot:DataDirectory"] = _dataDirectory;
        builder.Configuration["CostPilot:Jobs:Server"] = "false";
        builder.Configuration["COSTPILOT_ADMIN_EMAIL"] = adminEmail;
        builder.Configuration["COSTPILOT_ADMIN_PASSWORD"] = adminPassword;
        builder.Configuration["COSTPILOT_DEMO_EMAIL"] = "";
        builder.AddInfrastructure();
        return builder.Services.BuildServiceProvider();
    }
}
