using System.Net;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Pages.Account;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CostPilot.Tests.Web;

public sealed class SignInTests : IClassFixture<CostPilotAppFactory>
{
    private const string AuthCookie = "costpilot.auth";

    private readonly CostPilotAppFactory _app;

    public SignInTests(CostPilotAppFactory app) => _app = app;

    [Fact]
    public async Task SignIn_SuperAdmin_RedirectsToAdminAndSetsAuthCookie()
    {
        using var client = NewClient();

        using var response = await FormClient.SignInAsync(client, CostPilotAppFactory.AdminEmail, CostPilotAppFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin", Redirects.LocalTarget(response));
        Assert.True(SetsAuthCookie(response), "The sign-in response sets no costpilot.auth cookie.");
    }

    [Fact]
    public async Task SignIn_NewClient_RedirectsToOnboardingAndSetsAuthCookie()
    {
        var user = await TestUsers.CreateClientAsync(_app.Services);
        using var client = NewClient();

        using var response = await FormClient.SignInAsync(client, user.Email, user.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/onboarding", Redirects.LocalTarget(response));
        Assert.True(SetsAuthCookie(response), "The sign-in response sets no costpilot.auth cookie.");
        var stored = await TestUsers.FindAsync(_app.Services, user.Email);
        Assert.NotNull(stored.LastSignInAt);
    }

    [Fact]
    public async Task SignIn_WrongPassword_ShowsGenericFailureWithoutCookie()
    {
        var user = await TestUsers.CreateClientAsync(_app.Services);
        using var client = NewClient();

        using var response = await FormClient.SignInAsync(client, user.Email, "Wrong-Passw0rd-Long");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Login.FailureMessage, PageText.FormError(await response.Content.ReadAsStringAsync()));
        Assert.False(SetsAuthCookie(response));
    }

    [Fact]
    public async Task SignIn_UnknownEmail_ShowsTheSameTextAsAWrongPassword()
    {
        var user = await TestUsers.CreateClientAsync(_app.Services);
        using var client = NewClient();

        using var wrongPassword = await FormClient.SignInAsync(client, user.Email, "Wrong-Passw0rd-Long");
        using var unknownEmail = await FormClient.SignInAsync(client, TestUsers.NewEmail("nobody"), "Wrong-Passw0rd-Long");

        Assert.Equal(HttpStatusCode.OK, unknownEmail.StatusCode);
        var unknownText = PageText.FormError(await unknownEmail.Content.ReadAsStringAsync());
        Assert.Equal(PageText.FormError(await wrongPassword.Content.ReadAsStringAsync()), unknownText);
        Assert.Equal(Login.FailureMessage, unknownText);
        Assert.False(SetsAuthCookie(unknownEmail));
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LocksOutForFifteenMinutesAndRefusesTheRightOne()
    {
        var user = await TestUsers.CreateClientAsync(_app.Services);
        using var client = NewClient();

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await FormClient.SignInAsync(client, user.Email, $"Wrong-Passw0rd-{attempt}");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }
        var lockedAt = DateTimeOffset.UtcNow;
        using var right = await FormClient.SignInAsync(client, user.Email, user.Password);

        var stored = await TestUsers.FindAsync(_app.Services, user.Email);
        Assert.NotNull(stored.LockoutEnd);
        var remaining = stored.LockoutEnd.Value - lockedAt;
        Assert.InRange(remaining, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.5));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(Login.FailureMessage, PageText.FormError(await right.Content.ReadAsStringAsync()));
        Assert.False(SetsAuthCookie(right));
    }

    [Fact]
    public async Task SignIn_FourWrongPasswords_StillAcceptsTheRightOne()
    {
        var user = await TestUsers.CreateClientAsync(_app.Services);
        using var client = NewClient();

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            using var wrong = await FormClient.SignInAsync(client, user.Email, $"Wrong-Passw0rd-{attempt}");
        }
        using var right = await FormClient.SignInAsync(client, user.Email, user.Password);

        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        var stored = await TestUsers.FindAsync(_app.Services, user.Email);
        Assert.Equal(0, stored.AccessFailedCount);
    }

    [Fact]
    public async Task SignIn_ExternalReturnUrl_RedirectsToALocalPageOnly()
    {
        var user = await TestUsers.CreateClientAsync(_app.Services);
        using var client = NewClient();

        using var response = await FormClient.PostFormAsync(client, "/account/login?ReturnUrl=https%3A%2F%2Fevil.example%2F", "login", new Dictionary<string, string>
        {
            ["Input.Email"] = user.Email,
            ["Input.Password"] = user.Password,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", Redirects.LocalTarget(response));
    }

    private HttpClient NewClient() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private static bool SetsAuthCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
        && cookies.Any(c => c.StartsWith(AuthCookie, StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
}
