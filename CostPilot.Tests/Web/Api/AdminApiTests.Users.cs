using System.Net;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;

namespace CostPilot.Tests.Web.Api;

/// <summary><c>/api/admin/users</c>: the list, each action, role changes and <see cref="UserAdminService"/>'s guards.</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task Users_Search_FindsTheUserWithRolesAndStatusAndNoSecret()
    {
        var client = await TestUsers.CreateAsync(app.Services, Roles.Client);
        var stored = await TestUsers.FindAsync(app.Services, client.Email);
        using var admin = await AdminAsync();

        using var response = await admin.GetAsync($"/api/admin/users?search={client.Email}");

        var text = await response.Content.ReadAsStringAsync();
        var page = await ApiClients.JsonAsync(response);
        Assert.Equal((1, 0, 50), (page.GetProperty("total").GetInt32(), page.GetProperty("skip").GetInt32(), page.GetProperty("take").GetInt32()));
        var row = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal((client.Id, client.Email, "active", 0), (row.GetProperty("id").GetString(), row.GetProperty("email").GetString(),
            row.GetProperty("status").GetString(), row.GetProperty("accountCount").GetInt32()));
        Assert.Equal(["client"], row.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.DoesNotContain(stored.PasswordHash!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.SecurityStamp!, text, StringComparison.Ordinal);
        Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Users_LockUnlockDisableEnableSignOut_204AndTheUserChanges()
    {
        var target = await TestUsers.CreateAsync(app.Services, Roles.Client);
        using var targetsToken = await ApiClients.ForAsync(app, target);
        using var admin = await AdminAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{target.Id}/lock", null)).StatusCode);
        Assert.True((await TestUsers.FindAsync(app.Services, target.Email)).LockoutEnd > DateTimeOffset.UtcNow.AddYears(50));
        Assert.Equal("locked", await StatusOfAsync(admin, target));
        // Locking ended their sessions: their token is refused.
        Assert.Equal(HttpStatusCode.Unauthorized, (await targetsToken.GetAsync("/api/auth/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{target.Id}/unlock", null)).StatusCode);
        Assert.Null((await TestUsers.FindAsync(app.Services, target.Email)).LockoutEnd);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{target.Id}/disable", null)).StatusCode);
        Assert.NotNull((await TestUsers.FindAsync(app.Services, target.Email)).DisabledAt);
        Assert.Equal("disabled", await StatusOfAsync(admin, target));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{target.Id}/enable", null)).StatusCode);
        Assert.Null((await TestUsers.FindAsync(app.Services, target.Email)).DisabledAt);

        using var again = await ApiClients.ForAsync(app, target);
        var stamp = (await TestUsers.FindAsync(app.Services, target.Email)).SecurityStamp;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{target.Id}/sign-out", null)).StatusCode);
        Assert.NotEqual(stamp, (await TestUsers.FindAsync(app.Services, target.Email)).SecurityStamp);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.GetAsync("/api/auth/me")).StatusCode);

        Assert.Equal([AuditActions.UserLocked, AuditActions.UserUnlocked, AuditActions.UserDisabled, AuditActions.UserEnabled, AuditActions.UserSignedOut],
            (await AuditOfAsync(target.Id)).Select(e => e.Action));
    }

    [Fact]
    public async Task Users_RoleChangesBySuperAdmin_RolesChangeAndTheTrailNamesTheActingAdminAndAddress()
    {
        var (super, actor) = await ApiClients.SignedInAsync(app, Roles.SuperAdmin);
        var target = await TestUsers.CreateAsync(app.Services, Roles.Client);
        using (super)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await PutRoleAsync(super, target.Id, "admin")).StatusCode);
            Assert.Equal(["admin", "client"], (await TestUsers.RolesOfAsync(app.Services, target.Id)).Order(StringComparer.Ordinal));

            Assert.Equal(HttpStatusCode.NoContent, (await PutRoleAsync(super, target.Id, "super_admin")).StatusCode);
            Assert.Equal(["client", "super_admin"], (await TestUsers.RolesOfAsync(app.Services, target.Id)).Order(StringComparer.Ordinal));

            Assert.Equal(HttpStatusCode.NoContent, (await PutRoleAsync(super, target.Id, "admin")).StatusCode);
            Assert.Equal(["admin", "client"], (await TestUsers.RolesOfAsync(app.Services, target.Id)).Order(StringComparer.Ordinal));

            Assert.Equal(HttpStatusCode.NoContent, (await PutRoleAsync(super, target.Id, "client")).StatusCode);
            Assert.Equal(["client"], await TestUsers.RolesOfAsync(app.Services, target.Id));
        }

        var trail = await AuditOfAsync(target.Id);
        Assert.Equal(4, trail.Count);
        Assert.All(trail, e => Assert.Equal((AuditActions.UserRolesChanged, actor.Id, actor.Email, AdminApiAppFactory.ClientAddress),
            (e.Action, e.ActorId, e.ActorEmail, e.Address)));
        Assert.Equal("roles client, super_admin → admin, client", trail[2].Detail);
    }

    [Fact]
    public async Task Users_RoleChangeByAnAdmin_403WithTheServicesMessageAndNothingChanges()
    {
        var target = await TestUsers.CreateAsync(app.Services, Roles.Client);
        using var admin = await AdminAsync();

        var problem = await ApiClients.ProblemAsync(await PutRoleAsync(admin, target.Id, "admin"), HttpStatusCode.Forbidden);

        Assert.Equal("Only super administrators can do this.", problem.GetProperty("detail").GetString());
        Assert.Equal(["client"], await TestUsers.RolesOfAsync(app.Services, target.Id));
        Assert.Empty(await AuditOfAsync(target.Id));
    }

    [Fact]
    public async Task Users_AnAdminActingOnASuperAdmin_403WithTheServicesMessage()
    {
        var super = await TestUsers.CreateAsync(app.Services, Roles.SuperAdmin);
        using var admin = await AdminAsync();

        var locking = await ApiClients.ProblemAsync(await admin.PostAsync($"/api/admin/users/{super.Id}/lock", null), HttpStatusCode.Forbidden);
        var deleting = await ApiClients.ProblemAsync(await admin.DeleteAsync($"/api/admin/users/{super.Id}"), HttpStatusCode.Forbidden);
        var demoting = await ApiClients.ProblemAsync(await PutRoleAsync(admin, super.Id, "admin"), HttpStatusCode.Forbidden);

        Assert.Equal("Only a super admin can lock an administrator.", locking.GetProperty("detail").GetString());
        Assert.Equal("Only a super admin can delete an administrator.", deleting.GetProperty("detail").GetString());
        Assert.Equal("Only super administrators can do this.", demoting.GetProperty("detail").GetString());
        Assert.Null((await TestUsers.FindAsync(app.Services, super.Email)).LockoutEnd);
        Assert.Equal(["super_admin"], await TestUsers.RolesOfAsync(app.Services, super.Id));
    }

    /// <summary>
    /// The last super admin who can sign in cannot be reached through the API: a token's user must be able to sign in, so a super
    /// admin calling is always another one. What is left is acting on yourself, refused first.
    /// </summary>
    [Fact]
    public async Task Users_ASuperAdminActingOnThemselves_403WithTheServicesMessage()
    {
        var (super, self) = await ApiClients.SignedInAsync(app, Roles.SuperAdmin);
        using (super)
        {
            var demote = await ApiClients.ProblemAsync(await PutRoleAsync(super, self.Id, "client"), HttpStatusCode.Forbidden);
            var locking = await ApiClients.ProblemAsync(await super.PostAsync($"/api/admin/users/{self.Id}/lock", null), HttpStatusCode.Forbidden);
            var deleting = await ApiClients.ProblemAsync(await super.DeleteAsync($"/api/admin/users/{self.Id}"), HttpStatusCode.Forbidden);

            Assert.Equal("You cannot change the role of yourself.", demote.GetProperty("detail").GetString());
            Assert.Equal("You cannot lock yourself.", locking.GetProperty("detail").GetString());
            Assert.Equal("You cannot delete yourself.", deleting.GetProperty("detail").GetString());
            Assert.Equal(["super_admin"], await TestUsers.RolesOfAsync(app.Services, self.Id));
        }
    }

    [Fact]
    public async Task Users_SuperAdminToClientInOneStep_403RemoveSuperAdminFirst()
    {
        var (super, _) = await ApiClients.SignedInAsync(app, Roles.SuperAdmin);
        var other = await TestUsers.CreateAsync(app.Services, Roles.SuperAdmin);
        using (super)
        {
            var problem = await ApiClients.ProblemAsync(await PutRoleAsync(super, other.Id, "client"), HttpStatusCode.Forbidden);

            Assert.Equal($"{other.Email} is a super admin: remove super admin first.", problem.GetProperty("detail").GetString());
            Assert.Equal(["super_admin"], await TestUsers.RolesOfAsync(app.Services, other.Id));
        }
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("Admin")]
    [InlineData("")]
    [InlineData(null)]
    public async Task Users_UnknownRole_400NamingRole(string? role)
    {
        var (super, _) = await ApiClients.SignedInAsync(app, Roles.SuperAdmin);
        var target = await TestUsers.CreateAsync(app.Services, Roles.Client);
        using (super)
        {
            var message = await FieldErrorAsync(await PutRoleAsync(super, target.Id, role), "role");

            Assert.Equal("Role must be one of client, admin, super_admin.", message);
        }
    }

    [Fact]
    public async Task Users_UnknownId_404WithTheServicesMessage()
    {
        var (super, _) = await ApiClients.SignedInAsync(app, Roles.SuperAdmin);
        var unknown = Guid.NewGuid().ToString();
        using (super)
        {
            foreach (var response in new[]
            {
                await super.PostAsync($"/api/admin/users/{unknown}/lock", null),
                await super.PostAsync($"/api/admin/users/{unknown}/sign-out", null),
                await PutRoleAsync(super, unknown, "admin"),
                await super.GetAsync($"/api/admin/users/{unknown}/deletion"),
                await super.DeleteAsync($"/api/admin/users/{unknown}"),
            })
            {
                var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.NotFound);
                Assert.Equal("That user no longer exists.", problem.GetProperty("detail").GetString());
            }
        }
    }

    [Fact]
    public async Task Users_Delete_PreviewNamesTheAccountsThenTheUserAndAccountsAreGone()
    {
        var inventory = new CostInventory(app.ConnectionString);
        var ownerId = await inventory.UserAsync();
        var accountId = await KnownFleet.SeedAsync(inventory, ownerId, "210987654321", "Doomed");
        using var admin = await AdminAsync();

        var preview = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/users/{ownerId}/deletion"));
        using var deleted = await admin.DeleteAsync($"/api/admin/users/{ownerId}");

        Assert.Equal(["Doomed"], preview.GetProperty("accountNames").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(7, preview.GetProperty("instanceCount").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var users = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/users?search={ownerId}"));
        Assert.Equal(0, users.GetProperty("total").GetInt32());
        await ApiClients.ProblemAsync(await admin.DeleteAsync($"/api/admin/accounts/{accountId}"), HttpStatusCode.NotFound);
        Assert.Equal(AuditActions.UserDeleted, Assert.Single(await AuditOfAsync(ownerId)).Action);
    }

    private static async Task<string?> StatusOfAsync(HttpClient admin, TestUser user)
    {
        var page = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/users?search={user.Email}"));
        return Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("status").GetString();
    }
}
