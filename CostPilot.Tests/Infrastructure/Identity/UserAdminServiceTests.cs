using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Identity;
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

    private async Task<Caller> SeededSuperAdminAsync()
    {
        var user = await TestUsers.FindAsync(_app.Services, CostPilotAppFactory.AdminEmail);
        return Callers.SuperAdmin(user.Id);
    }
}
