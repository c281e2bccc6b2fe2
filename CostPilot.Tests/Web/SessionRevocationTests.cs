using System.Net;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Web;

/// <summary>A session whose user lost their rights ends on the very next request to the admin pages or the job dashboard.</summary>
public sealed class SessionRevocationTests(CostPilotAppFactory app) : IClassFixture<CostPilotAppFactory>
{
    public static TheoryData<string> AdminRoutes => ["/admin", "/admin/users", "/hangfire"];

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Get_AdminDemotedWhileSignedIn_NextRequestSentToSignIn(string path)
    {
        var admin = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        using var client = SessionCookies.ClientWith(app, await SessionCookies.SignInAsync(app, admin.Email, admin.Password));
        using (var before = await client.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var demoted = await UserAdminAsync(s => s.SetAdminAsync(Callers.SuperAdmin(), admin.Id, admin: false));
        using var after = await client.GetAsync(path);

        Assert.True(demoted.Succeeded, demoted.Error?.Message);
        AssertSentToSignIn(after);
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Get_AdminLockedWhileSignedIn_NextRequestSentToSignIn(string path)
    {
        var admin = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        using var client = SessionCookies.ClientWith(app, await SessionCookies.SignInAsync(app, admin.Email, admin.Password));
        using (var before = await client.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var locked = await UserAdminAsync(s => s.LockAsync(Callers.SuperAdmin(), admin.Id));
        using var after = await client.GetAsync(path);

        Assert.True(locked.Succeeded, locked.Error?.Message);
        AssertSentToSignIn(after);
    }

    private static void AssertSentToSignIn(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login", Redirects.LocalPath(response));
    }

    private async Task<Result> UserAdminAsync(Func<UserAdminService, Task<Result>> action)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserAdminService>());
    }
}
