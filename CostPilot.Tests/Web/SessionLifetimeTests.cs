using System.Net;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Web;

/// <summary>A session ends a fixed time after its sign-in, however active it stays. The auth cookie runs on a fake clock here.</summary>
public sealed class SessionLifetimeTests(SessionLifetimeTests.App app) : IClassFixture<SessionLifetimeTests.App>
{
    [Fact]
    public async Task Get_SessionOlderThanTheAbsoluteLifetime_SentToSignInThoughTheCookieWasJustRenewed()
    {
        var admin = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        var cookie = await SessionCookies.SignInAsync(app, admin.Email, admin.Password);
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

        // Seven hours on, past half of the 12-hour sliding expiry: the cookie is renewed.
        app.Clock.Advance(TimeSpan.FromHours(7));
        using var active = await GetAsync(client, "/admin", cookie);
        var renewed = AuthCookieIn(active);
        // Nine hours after signing in: within the renewed cookie's own expiry, past the 8-hour lifetime.
        app.Clock.Advance(TimeSpan.FromHours(2));
        using var expired = await GetAsync(client, "/admin", renewed);

        Assert.Equal(HttpStatusCode.OK, active.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, expired.StatusCode);
        Assert.Equal("/account/login", Redirects.LocalPath(expired));
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request);
    }

    private static string AuthCookieIn(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Set-Cookie", out var cookies), "The cookie was not renewed.");
        return cookies.Single(c => c.StartsWith("costpilot.auth=", StringComparison.Ordinal)).Split(';', 2)[0];
    }

    /// <summary>The app with an 8-hour session lifetime, its auth cookie (and Identity's stamp check) on <see cref="Clock"/>.</summary>
    public sealed class App : CostPilotAppFactory
    {
        public App() => Settings["CostPilot:Auth:AbsoluteSessionLifetime"] = "08:00:00";

        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o => o.TimeProvider = Clock);
                services.PostConfigure<SecurityStampValidatorOptions>(o => o.TimeProvider = Clock);
            });
        }
    }
}
