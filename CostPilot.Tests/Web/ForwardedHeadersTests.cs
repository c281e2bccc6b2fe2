using System.Net;
using CostPilot.Tests.Support;

namespace CostPilot.Tests.Web;

/// <summary>
/// HTTPS ended at a reverse proxy: the app trusts X-Forwarded-Proto only from known proxies (loopback by default). The app
/// listens on a real port, so requests come from a real address (loopback).
/// </summary>
public sealed class ForwardedHeadersTests
{
    [Fact]
    public async Task SignIn_HttpsForwardedByALoopbackProxy_AuthAndAntiforgeryCookiesSecure()
    {
        await using var app = await StartAsync(new Dictionary<string, string?>());

        var (antiforgery, auth) = await SignInAsync(app, forwardedProto: "https");

        Assert.Contains("secure", Attributes(antiforgery));
        Assert.Contains("secure", Attributes(auth));
    }

    [Fact]
    public async Task SignIn_HttpsForwardedByAnUnknownAddress_HeaderIgnoredAndCookiesNotSecure()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["CostPilot:Http:KnownProxies"] = "192.0.2.10" });

        var (antiforgery, auth) = await SignInAsync(app, forwardedProto: "https");

        Assert.DoesNotContain("secure", Attributes(antiforgery));
        Assert.DoesNotContain("secure", Attributes(auth));
    }

    [Fact]
    public async Task Get_HstsOn_SentOverForwardedHttpsOnly()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["CostPilot:Http:Hsts"] = "true" });
        using var client = NewClient(app);

        using var overHttps = await client.SendAsync(LoginPage(forwardedProto: "https"));
        using var overHttp = await client.SendAsync(LoginPage(forwardedProto: null));

        Assert.Equal(HttpStatusCode.OK, overHttps.StatusCode);
        Assert.StartsWith("max-age=", Assert.Single(overHttps.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        Assert.False(overHttp.Headers.Contains("Strict-Transport-Security"));
    }

    /// <summary>Opens the sign-in page and signs the seeded admin in, both as forwarded by a proxy; returns the two Set-Cookie lines.</summary>
    private static async Task<(string Antiforgery, string Auth)> SignInAsync(Started app, string forwardedProto)
    {
        using var client = NewClient(app);
        using var page = await client.SendAsync(LoginPage(forwardedProto));
        var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        var token = FormClient.AntiforgeryTokenIn(await page.Content.ReadAsStringAsync());
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = token,
                ["Input.Email"] = CostPilotAppFactory.AdminEmail,
                ["Input.Password"] = CostPilotAppFactory.AdminPassword,
            }),
        };
        Forward(post, forwardedProto);
        // By hand: a cookie jar would not send a Secure cookie back over the plain HTTP between proxy and app.
        post.Headers.Add("Cookie", antiforgery.Split(';', 2)[0]);
        using var signedIn = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var auth = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("costpilot.auth=", StringComparison.Ordinal));
        return (antiforgery, auth);
    }

    private static HttpRequestMessage LoginPage(string? forwardedProto)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        // A public name: HSTS is never sent for localhost.
        request.Headers.Host = "costpilot.example.com";
        Forward(request, forwardedProto);
        return request;
    }

    private static void Forward(HttpRequestMessage request, string? proto)
    {
        if (proto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", proto);
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        }
    }

    private static List<string> Attributes(string setCookie) =>
        [.. setCookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.Split('=', 2)[0].ToLowerInvariant())];

    private static HttpClient NewClient(Started app) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.App.BaseAddress };

    private static async Task<Started> StartAsync(Dictionary<string, string?> settings)
    {
        var app = new KestrelAppFactory();
        foreach (var (key, value) in settings)
        {
            app.Settings[key] = value;
        }
        var started = new Started(app);
        try
        {
            await app.InitializeAsync();
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    private sealed class Started(KestrelAppFactory app) : IAsyncDisposable
    {
        public KestrelAppFactory App { get; } = app;

        public async ValueTask DisposeAsync() => await ((IAsyncLifetime)App).DisposeAsync();
    }
}
