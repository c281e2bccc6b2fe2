using System.Net;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Pages.Account;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Identity;

public sealed class UserAdminServiceTests : IClassFixture<CostPilotAppFactory>
{
    private readonly CostPilotAppFactory _app;

    public UserAdminServiceTests(CostPilotAppFactory app) => _app = app;

    [Fact]
    public async Task ListAsync_Client_Forbidden()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();

        Assert.Equal(ErrorKind.Forbidden, (await service.ListAsync(Callers.Client(), null, 0, 25)).Error?.Kind);
    }

    [Fact]
    public async Task ListAsync_AdminSearchingAnEmail_ReturnsThatUserWithRoles()
    {
        var user = await TestUsers.CreateClientAsync(_app.Services);
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();

        var page = (await service.ListAsync(Callers.Admin(), user.Email, 0, 25)).Value!;

        var row = Assert.Single(page.Rows);
        Assert.Equal(1, page.Total);
        Assert.Equal(user.Id, row.Id);
        Assert.Equal([Roles.Client], row.Roles);
    }

    [Fact]
    public async Task ListAsync_SearchWithLikeWildcards_MatchesThemLiterally()
    {
        await TestUsers.CreateClientAsync(_app.Services);
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();

        var page = (await service.ListAsync(Callers.Admin(), "%", 0, 25)).Value!;

        Assert.Equal(0, page.Total);
    }

    [Fact]
    public async Task SetAdminAsync_Admin_ForbiddenAndChangesNothing()
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        var admin = await TestUsers.CreateAsync(_app.Services, Roles.Admin);
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();

        Assert.Equal(ErrorKind.Forbidden, (await service.SetAdminAsync(Callers.Admin(admin.Id), target.Id, admin: true)).Error?.Kind);

        Assert.DoesNotContain(Roles.Admin, await TestUsers.RolesOfAsync(_app.Services, target.Id));
    }

    [Fact]
    public async Task SetAdminAsync_SuperAdminPromotesThenDemotes_TargetGainsThenLosesAdmin()
    {
        var superAdmin = await SeededSuperAdminAsync();
        var target = await TestUsers.CreateClientAsync(_app.Services);
        var stampBefore = (await TestUsers.FindAsync(_app.Services, target.Email)).SecurityStamp;

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAdminService>().SetAdminAsync(superAdmin, target.Id, admin: true);
        }
        var promoted = await TestUsers.RolesOfAsync(_app.Services, target.Id);
        Assert.Contains(Roles.Admin, promoted);
        Assert.NotEqual(stampBefore, (await TestUsers.FindAsync(_app.Services, target.Email)).SecurityStamp);

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAdminService>().SetAdminAsync(superAdmin, target.Id, admin: false);
        }
        Assert.Equal([Roles.Client], await TestUsers.RolesOfAsync(_app.Services, target.Id));
    }

    [Fact]
    public async Task SetAdminAsync_SuperAdminOnSelf_Forbidden()
    {
        var superAdmin = await SeededSuperAdminAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();

        Assert.Equal(ErrorKind.Forbidden, (await service.SetAdminAsync(superAdmin, superAdmin.UserId, admin: false)).Error?.Kind);

        Assert.Contains(Roles.SuperAdmin, await TestUsers.RolesOfAsync(_app.Services, superAdmin.UserId));
    }

    [Fact]
    public async Task SetAdminAsync_SuperAdminOnAnotherSuperAdmin_ForbiddenAndChangesNothing()
    {
        var superAdmin = await SeededSuperAdminAsync();
        var other = await TestUsers.CreateAsync(_app.Services, Roles.SuperAdmin);
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();

        Assert.Equal(ErrorKind.Forbidden, (await service.SetAdminAsync(superAdmin, other.Id, admin: true)).Error?.Kind);

        Assert.Equal([Roles.SuperAdmin], await TestUsers.RolesOfAsync(_app.Services, other.Id));
    }

    [Fact]
    public async Task SetAdminAsync_UnknownUser_NotFound()
    {
        var superAdmin = await SeededSuperAdminAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();

        Assert.Equal(ErrorKind.NotFound, (await service.SetAdminAsync(superAdmin, Guid.NewGuid().ToString(), admin: true)).Error?.Kind);
    }

    [Fact]
    public async Task UnlockAsync_AdminOnSuperAdmin_Forbidden()
    {
        var superAdmin = await SeededSuperAdminAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();

        Assert.Equal(ErrorKind.Forbidden, (await service.UnlockAsync(Callers.Admin(), superAdmin.UserId)).Error?.Kind);
    }

    [Fact]
    public async Task UnlockAsync_AdminOnLockedClient_ClearsLockout()
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        await using var scope = _app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(target.Id);
        await users.SetLockoutEndDateAsync(user!, DateTimeOffset.UtcNow.AddMinutes(15));

        await scope.ServiceProvider.GetRequiredService<UserAdminService>().UnlockAsync(Callers.Admin(), target.Id);

        Assert.Null((await TestUsers.FindAsync(_app.Services, target.Email)).LockoutEnd);
    }

    [Fact]
    public async Task LockAsync_AdminOnClient_LockedOutUntilUnlockedAndStampRotated()
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        var stampBefore = (await TestUsers.FindAsync(_app.Services, target.Email)).SecurityStamp;
        await using var scope = _app.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<UserAdminService>().LockAsync(Callers.Admin(), target.Id);

        Assert.True(result.Succeeded, result.Error?.Message);
        var stored = await TestUsers.FindAsync(_app.Services, target.Email);
        Assert.True(stored.LockoutEnd > DateTimeOffset.UtcNow.AddYears(50), $"Locked only until {stored.LockoutEnd}.");
        Assert.NotEqual(stampBefore, stored.SecurityStamp);
    }

    [Fact]
    public async Task LockAsync_AdminOnAnotherAdmin_ForbiddenAndChangesNothing()
    {
        var target = await TestUsers.CreateAsync(_app.Services, Roles.Admin);
        await using var scope = _app.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<UserAdminService>().LockAsync(Callers.Admin(), target.Id);

        Assert.Equal(ErrorKind.Forbidden, result.Error?.Kind);
        Assert.Null((await TestUsers.FindAsync(_app.Services, target.Email)).LockoutEnd);
    }

    [Fact]
    public async Task LockAsync_SuperAdminOnSelf_Forbidden()
    {
        var superAdmin = await SeededSuperAdminAsync();
        await using var scope = _app.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<UserAdminService>().LockAsync(superAdmin, superAdmin.UserId);

        Assert.Equal(ErrorKind.Forbidden, result.Error?.Kind);
    }

    [Fact]
    public async Task LockAsync_Client_Forbidden()
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        await using var scope = _app.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<UserAdminService>().LockAsync(Callers.Client(), target.Id);

        Assert.Equal(ErrorKind.Forbidden, result.Error?.Kind);
    }

    // ---- Who may act ----

    public static TheoryData<string> NewActions => ["disable", "enable", "sign-out", "delete", "preview-delete", "make-super-admin"];

    [Theory]
    [MemberData(nameof(NewActions))]
    public async Task NewAction_ClientOrUserWithoutRole_ForbiddenAndChangesNothing(string action)
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        var before = await TestUsers.FindAsync(_app.Services, target.Email);

        var asClient = await ActAsync(action, Callers.Client(), target.Id);
        var asNobody = await ActAsync(action, Callers.For("no-role-id"), target.Id);

        Assert.Equal(ErrorKind.Forbidden, asClient.Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, asNobody.Error?.Kind);
        var after = await TestUsers.FindAsync(_app.Services, target.Email);
        Assert.Equal(before.SecurityStamp, after.SecurityStamp);
        Assert.Null(after.DisabledAt);
    }

    public static TheoryData<string> SelfActions => ["lock", "disable", "delete", "demote", "sign-out"];

    [Theory]
    [MemberData(nameof(SelfActions))]
    public async Task Action_SuperAdminOnSelf_ForbiddenWithMessage(string action)
    {
        var self = await TestUsers.CreateAsync(_app.Services, Roles.SuperAdmin);

        var result = await ActAsync(action, Callers.SuperAdmin(self.Id), self.Id);

        Assert.Equal(ErrorKind.Forbidden, result.Error?.Kind);
        Assert.Contains("yourself", result.Error!.Message, StringComparison.Ordinal);
        var stored = await TestUsers.FindAsync(_app.Services, self.Email);
        Assert.Null(stored.DisabledAt);
        Assert.Null(stored.LockoutEnd);
        Assert.Equal([Roles.SuperAdmin], await TestUsers.RolesOfAsync(_app.Services, self.Id));
    }

    public static TheoryData<string, string> AdminOnAdministrator => new()
    {
        { "lock", Roles.Admin }, { "disable", Roles.Admin }, { "delete", Roles.Admin }, { "sign-out", Roles.Admin }, { "unlock", Roles.Admin },
        { "enable", Roles.Admin }, { "disable", Roles.SuperAdmin }, { "delete", Roles.SuperAdmin }, { "sign-out", Roles.SuperAdmin },
    };

    [Theory]
    [MemberData(nameof(AdminOnAdministrator))]
    public async Task Action_AdminOnAnAdministrator_ForbiddenWithMessage(string action, string targetRole)
    {
        var target = await TestUsers.CreateAsync(_app.Services, targetRole);
        var stampBefore = (await TestUsers.FindAsync(_app.Services, target.Email)).SecurityStamp;

        var result = await ActAsync(action, Callers.Admin(), target.Id);

        Assert.Equal(ErrorKind.Forbidden, result.Error?.Kind);
        Assert.Equal($"Only a super admin can {Verb(action)} an administrator.", result.Error!.Message);
        Assert.Equal(stampBefore, (await TestUsers.FindAsync(_app.Services, target.Email)).SecurityStamp);
    }

    // ---- Disable, enable, sign out ----

    [Fact]
    public async Task DisableAsync_AdminOnClient_SignInRefusedWithMessageUntilEnabled()
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        var stampBefore = (await TestUsers.FindAsync(_app.Services, target.Email)).SecurityStamp;

        var disabled = await ActAsync("disable", Callers.Admin(), target.Id);

        Assert.True(disabled.Succeeded, disabled.Error?.Message);
        var stored = await TestUsers.FindAsync(_app.Services, target.Email);
        Assert.NotNull(stored.DisabledAt);
        Assert.Null(stored.LockoutEnd);
        Assert.NotEqual(stampBefore, stored.SecurityStamp);
        using (var client = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }))
        {
            using var right = await FormClient.SignInAsync(client, target.Email, target.Password);
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
            Assert.Equal(CostPilotSignInManager.DisabledMessage, PageText.FormError(await right.Content.ReadAsStringAsync()));
            // Without the password nobody learns that the account exists, let alone that it is disabled.
            using var wrong = await FormClient.SignInAsync(client, target.Email, "Wrong-Passw0rd-Long");
            Assert.Equal(Login.FailureMessage, PageText.FormError(await wrong.Content.ReadAsStringAsync()));
        }

        var enabled = await ActAsync("enable", Callers.Admin(), target.Id);

        Assert.True(enabled.Succeeded, enabled.Error?.Message);
        Assert.Null((await TestUsers.FindAsync(_app.Services, target.Email)).DisabledAt);
        using var again = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var signedIn = await FormClient.SignInAsync(again, target.Email, target.Password);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
    }

    [Fact]
    public async Task SignOutAsync_AdminOnClient_StampRotatedNeitherLockedNorDisabled()
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        var stampBefore = (await TestUsers.FindAsync(_app.Services, target.Email)).SecurityStamp;

        var result = await ActAsync("sign-out", Callers.Admin(), target.Id);

        Assert.True(result.Succeeded, result.Error?.Message);
        var stored = await TestUsers.FindAsync(_app.Services, target.Email);
        Assert.NotEqual(stampBefore, stored.SecurityStamp);
        Assert.Null(stored.LockoutEnd);
        Assert.Null(stored.DisabledAt);
    }

    // ---- Roles ----

    [Fact]
    public async Task SetSuperAdminAsync_SuperAdminPromotesAnAdminThenDemotes_RolesAndStampFollow()
    {
        var superAdmin = await SeededSuperAdminAsync();
        var target = await TestUsers.CreateAsync(_app.Services, Roles.Client, Roles.Admin);
        var stampBefore = (await TestUsers.FindAsync(_app.Services, target.Email)).SecurityStamp;

        var promoted = await UserAdminAsync(s => s.SetSuperAdminAsync(superAdmin, target.Id, superAdmin: true));

        Assert.True(promoted.Succeeded, promoted.Error?.Message);
        Assert.Equal([Roles.Client, Roles.SuperAdmin], (await TestUsers.RolesOfAsync(_app.Services, target.Id)).Order(StringComparer.Ordinal));
        Assert.NotEqual(stampBefore, (await TestUsers.FindAsync(_app.Services, target.Email)).SecurityStamp);

        var demoted = await UserAdminAsync(s => s.SetSuperAdminAsync(superAdmin, target.Id, superAdmin: false));

        Assert.True(demoted.Succeeded, demoted.Error?.Message);
        Assert.Equal([Roles.Admin, Roles.Client], (await TestUsers.RolesOfAsync(_app.Services, target.Id)).Order(StringComparer.Ordinal));
        var events = await AuditOfAsync(target.Id);
        Assert.Equal(["roles admin, client → client, super_admin", "roles client, super_admin → admin, client"],
            events.Where(e => e.Action == AuditActions.UserRolesChanged).OrderBy(e => e.Id).Select(e => e.Detail));
    }

    [Fact]
    public async Task SetSuperAdminAsync_Admin_Forbidden()
    {
        var target = await TestUsers.CreateAsync(_app.Services, Roles.Admin);

        var result = await UserAdminAsync(s => s.SetSuperAdminAsync(Callers.Admin(), target.Id, superAdmin: true));

        Assert.Equal(ErrorKind.Forbidden, result.Error?.Kind);
        Assert.Equal([Roles.Admin], await TestUsers.RolesOfAsync(_app.Services, target.Id));
    }

    // ---- Delete ----

    [Fact]
    public async Task DeleteAsync_AdminOnClient_RemovesTheUserTheirAccountsAndRowsOnly()
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        var bystander = await TestUsers.CreateClientAsync(_app.Services);
        var inventory = new CostInventory(_app.ConnectionString);
        var prod = await inventory.AccountAsync(target.Id, "Prod", NewAwsId(), method: "AccessKeys");
        var dev = await inventory.AccountAsync(target.Id, "Dev", NewAwsId());
        var theirs = await inventory.AccountAsync(bystander.Id, "Theirs", NewAwsId());
        await inventory.InstanceAsync(prod, "i-0000000000000001", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "catalog");
        await inventory.InstanceAsync(prod, "i-0000000000000002", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "catalog");
        await inventory.InstanceAsync(dev, "i-0000000000000003", "us-east-1", "t3.micro", "stopped", null, null, null);
        await inventory.InstanceAsync(theirs, "i-0000000000000004", "us-east-1", "t3.micro", "running", null, null, null);
        var admin = new Caller("admin-id", new HashSet<string> { Roles.Admin }, "admin@costpilot.test", "192.0.2.7");

        var preview = await UserAdminAsync(s => s.PreviewDeleteAsync(admin, target.Id));
        var deleted = await UserAdminAsync(s => s.DeleteAsync(admin, target.Id));

        Assert.Equal(target.Email, preview.Value!.Email);
        Assert.Equal(["Dev", "Prod"], preview.Value.AccountNames);
        Assert.Equal(3, preview.Value.InstanceCount);
        Assert.True(deleted.Succeeded, deleted.Error?.Message);
        await using var db = await _app.CreateDbContextAsync();
        Assert.False(await db.Users.AnyAsync(u => u.Id == target.Id));
        Assert.False(await db.Accounts.AnyAsync(a => a.OwnerId == target.Id));
        Assert.False(await db.Instances.AnyAsync(i => i.AccountId == prod || i.AccountId == dev));
        Assert.True(await db.Users.AnyAsync(u => u.Id == bystander.Id));
        Assert.True(await db.Accounts.AnyAsync(a => a.Id == theirs));
        Assert.Equal(1, await db.Instances.CountAsync(i => i.AccountId == theirs));
        var audit = Assert.Single(await AuditOfAsync(target.Id));
        Assert.Equal(AuditActions.UserDeleted, audit.Action);
        Assert.Equal("admin@costpilot.test", audit.ActorEmail);
        Assert.Equal("192.0.2.7", audit.Address);
        Assert.Equal(target.Email, audit.TargetLabel);
        Assert.Equal("2 AWS accounts (Dev, Prod), 3 instances; roles client", audit.Detail);
    }

    [Fact]
    public async Task DeleteAsync_UserRowRefusedByTheDatabase_NothingDeletedNorAudited()
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        var inventory = new CostInventory(_app.ConnectionString);
        var account = await inventory.AccountAsync(target.Id, "Prod", NewAwsId());
        await inventory.InstanceAsync(account, "i-0000000000000009", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "catalog");
        // The user's row cannot be deleted: the accounts, deleted first in the same transaction, must come back.
        var trigger = $"refuse_{Guid.NewGuid():N}";
        // Names and ids made by this test, not input: plain text is safe here.
        var sql = $"""
            CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
            CREATE TRIGGER {trigger} BEFORE DELETE ON users FOR EACH ROW WHEN (OLD.id = '{target.Id}') EXECUTE FUNCTION {trigger}();
            """;
        await using (var db = await _app.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync(sql);
        }

        await Assert.ThrowsAnyAsync<Exception>(() => UserAdminAsync(s => s.DeleteAsync(Callers.Admin(), target.Id)));

        await using var check = await _app.CreateDbContextAsync();
        Assert.True(await check.Users.AnyAsync(u => u.Id == target.Id));
        Assert.True(await check.Accounts.AnyAsync(a => a.Id == account));
        Assert.Equal(1, await check.Instances.CountAsync(i => i.AccountId == account));
        Assert.Empty(await AuditOfAsync(target.Id));
    }

    // ---- Audit ----

    public static TheoryData<string, string> AuditedActions => new()
    {
        { "lock", AuditActions.UserLocked }, { "unlock", AuditActions.UserUnlocked }, { "disable", AuditActions.UserDisabled },
        { "enable", AuditActions.UserEnabled }, { "sign-out", AuditActions.UserSignedOut }, { "promote", AuditActions.UserRolesChanged },
        { "make-super-admin", AuditActions.UserRolesChanged }, { "delete", AuditActions.UserDeleted },
    };

    [Theory]
    [MemberData(nameof(AuditedActions))]
    public async Task Action_SuperAdmin_AuditedWithActorAndTarget(string action, string audited)
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);
        var seeded = await SeededSuperAdminAsync();
        var actor = seeded with { Email = CostPilotAppFactory.AdminEmail, Address = "198.51.100.4" };
        // Unlock and enable change something only for a locked or disabled user.
        if (action == "unlock")
        {
            Assert.True((await ActAsync("lock", actor, target.Id)).Succeeded);
        }
        if (action == "enable")
        {
            Assert.True((await ActAsync("disable", actor, target.Id)).Succeeded);
        }

        var result = await ActAsync(action, actor, target.Id);

        Assert.True(result.Succeeded, result.Error?.Message);
        var entry = (await AuditOfAsync(target.Id)).OrderBy(e => e.Id).Last();
        Assert.Equal(audited, entry.Action);
        Assert.Equal(CostPilotAppFactory.AdminEmail, entry.ActorEmail);
        Assert.Equal(seeded.UserId, entry.ActorId);
        Assert.Equal(AuditTargets.User, entry.TargetKind);
        Assert.Equal(target.Email, entry.TargetLabel);
        Assert.Equal("198.51.100.4", entry.Address);
        Assert.False(string.IsNullOrEmpty(entry.Detail));
    }

    [Fact]
    public async Task EnableAsync_UserNotDisabled_SucceedsWithoutAuditEntry()
    {
        var target = await TestUsers.CreateClientAsync(_app.Services);

        var result = await ActAsync("enable", Callers.Admin(), target.Id);

        Assert.True(result.Succeeded);
        Assert.Empty(await AuditOfAsync(target.Id));
    }

    private static string Verb(string action) => action switch
    {
        "sign-out" => "sign out",
        _ => action,
    };

    private static string NewAwsId() => "5" + Random.Shared.NextInt64(0, 99_999_999_999).ToString("D11", System.Globalization.CultureInfo.InvariantCulture);

    private Task<Result> ActAsync(string action, Caller caller, string userId) => UserAdminAsync(s => action switch
    {
        "lock" => s.LockAsync(caller, userId),
        "unlock" => s.UnlockAsync(caller, userId),
        "disable" => s.DisableAsync(caller, userId),
        "enable" => s.EnableAsync(caller, userId),
        "sign-out" => s.SignOutAsync(caller, userId),
        "delete" => s.DeleteAsync(caller, userId),
        "preview-delete" => PreviewAsync(s, caller, userId),
        "promote" => s.SetAdminAsync(caller, userId, admin: true),
        "demote" => s.SetSuperAdminAsync(caller, userId, superAdmin: false),
        "make-super-admin" => s.SetSuperAdminAsync(caller, userId, superAdmin: true),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    });

    private static async Task<Result> PreviewAsync(UserAdminService service, Caller caller, string userId)
    {
        var preview = await service.PreviewDeleteAsync(caller, userId);
        return preview.Succeeded ? Result.Ok : preview.Error;
    }

    private async Task<T> UserAdminAsync<T>(Func<UserAdminService, Task<T>> action)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserAdminService>());
    }

    private async Task<List<AuditEvent>> AuditOfAsync(string userId)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.AuditEvents.AsNoTracking().Where(e => e.TargetKind == AuditTargets.User && e.TargetId == userId).ToListAsync();
    }

    private async Task<Caller> SeededSuperAdminAsync()
    {
        var user = await TestUsers.FindAsync(_app.Services, CostPilotAppFactory.AdminEmail);
        return Callers.SuperAdmin(user.Id);
    }
}
