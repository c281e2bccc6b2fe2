using System.Net;
using CostPilot.Domain.Users;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CostPilot.Tests.Support;

/// <summary>
/// Signs one user per role in once (bcrypt makes each sign-in cost a few hundred ms) and hands out
/// clients that carry that user's auth cookie. <see cref="Roles.SuperAdmin"/> is the seeded super admin.
/// </summary>
public sealed class SessionCookies(CostPilotAppFactory app)
{
    private readonly Dictionary<string, Task<string>> _cookies = [];
    private readonly Lock _lock = new();

    /// <summary>A client without redirects whose every request carries the auth cookie of a user in <paramref name="role"/>.</summary>
    public async Task<HttpClient> ClientAsync(string role)
    {
        return ClientWith(app, await CookieAsync(role));
    }

    private Task<string> CookieAsync(string role)
    {
        lock (_lock)
        {
            if (!_cookies.TryGetValue(role, out var cookie))
            {
                cookie = SignInAsync(role);
                _cookies[role] = cookie;
            }
            return cookie;
        }
    }

    private async Task<string> SignInAsync(string role)
    {
        var (email, password) = role == Roles.SuperAdmin
            ? (CostPilotAppFactory.AdminEmail, CostPilotAppFactory.AdminPassword)
            : await NewUserAsync(role);
        return await SignInAsync(app, email, password);
    }

    /// <summary>Signs <paramref name="email"/> in and returns the auth cookie ("costpilot.auth=…") for a Cookie header.</summary>
    public static async Task<string> SignInAsync(CostPilotAppFactory app, string email, string password)
    {
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await FormClient.SignInAsync(client, email, password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("costpilot.auth=", StringComparison.Ordinal));
        return setCookie.Split(';', 2)[0];
    }

    /// <summary>A client without redirects or a cookie jar whose every request carries <paramref name="cookie"/>.</summary>
    public static HttpClient ClientWith(CostPilotAppFactory app, string cookie)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }

    private async Task<(string, string)> NewUserAsync(string role)
    {
        var user = await TestUsers.CreateAsync(app.Services, role);
        return (user.Email, user.Password);
    }
}
