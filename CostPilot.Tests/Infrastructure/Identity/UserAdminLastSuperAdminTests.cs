using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Identity;

/// <summary>
/// On a database whose only super admin is the seeded one (no test here makes another), nothing takes the last super admin
/// who can sign in away: the caller is a super admin by a stale session (its claims say so, the database no longer does).
/// </summary>
public sealed class UserAdminLastSuperAdminTests(CostPilotAppFactory app) : IClassFixture<CostPilotAppFactory>
{
    private static readonly Caller Stale = Callers.SuperAdmin("demoted-meanwhile");

    public static TheoryData<string> TakingActions => ["lock", "disable", "delete", "demote"];

    [Theory]
    [MemberData(nameof(TakingActions))]
    public async Task Action_OnTheLastSuperAdmin_ForbiddenWithMessageAndChangesNothing(string action)
    {
        var last = await TestUsers.FindAsync(app.Services, CostPilotAppFactory.AdminEmail);
        await using var scope = app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();

        var result = action switch
        {
            "lock" => await service.LockAsync(Stale, last.Id),
            "disable" => await service.DisableAsync(Stale, last.Id),
            "delete" => await service.DeleteAsync(Stale, last.Id),
            _ => await service.SetSuperAdminAsync(Stale, last.Id, superAdmin: false),
        };

        Assert.Equal(ErrorKind.Forbidden, result.Error?.Kind);
        Assert.Contains("last super admin who can sign in", result.Error!.Message, StringComparison.Ordinal);
        var stored = await TestUsers.FindAsync(app.Services, CostPilotAppFactory.AdminEmail);
        Assert.Null(stored.DisabledAt);
        Assert.Null(stored.LockoutEnd);
        Assert.Equal(last.SecurityStamp, stored.SecurityStamp);
        Assert.Equal([Roles.SuperAdmin], await TestUsers.RolesOfAsync(app.Services, last.Id));
    }

    [Fact]
    public async Task SignOutAsync_OnTheLastSuperAdmin_Allowed()
    {
        var last = await TestUsers.FindAsync(app.Services, CostPilotAppFactory.AdminEmail);
        await using var scope = app.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<UserAdminService>().SignOutAsync(Stale, last.Id);

        Assert.True(result.Succeeded, result.Error?.Message);
    }
}
