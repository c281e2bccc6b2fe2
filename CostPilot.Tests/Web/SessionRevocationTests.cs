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

    [Fact]
    public async Task Get_CopyOfACookieSignedOut_RefusedOnAdminRoutes()
    {
        var admin = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        var cookie = await SessionCookies.SignInAsync(app, admin.Email, admin.Password);
        using var client = SessionCookies.ClientWith(app, cookie);

        using var signOut = await SignOutAsync(client, cookie);
        using var replayed = await client.GetAsync("/admin");

        Assert.Equal("/account/login", Redirects.LocalPath(signOut));
        AssertSentToSignIn(replayed);
    }

    /// <summary>Posts the profile page's sign-out form, as the browser does (its antiforgery cookie and token included).</summary>
    private static async Task<HttpResponseMessage> SignOutAsync(HttpClient client, string authCookie)
    {
        using var profile = await client.GetAsync("/account/profile");
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        var token = FormClient.AntiforgeryTokenIn(await profile.Content.ReadAsStringAsync());
        var antiforgeryCookie = profile.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/logout")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["returnUrl"] = "/account/login",
            }),
        };
        // A request's own Cookie header replaces the client's default one: send both cookies.
        request.Headers.Add("Cookie", $"{authCookie}; {antiforgeryCookie.Split(';', 2)[0]}");
        return await client.SendAsync(request);
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
