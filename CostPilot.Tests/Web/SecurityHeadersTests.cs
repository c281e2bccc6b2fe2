using System.Net;
using System.Text.RegularExpressions;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CostPilot.Tests.Web;

/// <summary>Every response carries the security headers: pages, the health endpoint, static files, the job dashboard.</summary>
public sealed partial class SecurityHeadersTests(RoleGateTests.App app) : IClassFixture<RoleGateTests.App>
{
    [Theory]
    [InlineData("/account/login")]
    [InlineData("/api/health")]
    [InlineData("/favicon.svg")]
    [InlineData("/app.css")]
    [InlineData("/no-such-page")]
    public async Task Get_AnyResponse_CarriesTheSecurityHeaders(string path)
    {
        using var client = NewClient();

        using var response = await client.GetAsync(path);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("strict-origin-when-cross-origin", Header(response, "Referrer-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        var policy = Header(response, "Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Page_PolicyFitsBlazorServerAndMudBlazorAndTheImportMapCarriesItsNonce()
    {
        using var client = NewClient();

        using var response = await client.GetAsync("/account/login");
        var page = await response.Content.ReadAsStringAsync();

        var policy = Directives(Header(response, "Content-Security-Policy"));
        var nonce = Assert.Single(ScriptNonce().Matches(policy["script-src"])).Groups[1].Value;
        Assert.Equal($"'self' 'nonce-{nonce}'", policy["script-src"]);
        Assert.Equal("'self' 'unsafe-inline'", policy["style-src"]);
        Assert.Equal("'self' ws://localhost wss://localhost", policy["connect-src"]);
        Assert.Equal("'none'", policy["object-src"]);
        Assert.Matches($"<script type=\"importmap\"[^>]* nonce=\"{Regex.Escape(nonce)}\"", page);
    }

    [Fact]
    public async Task Get_TwoPages_EachHasItsOwnNonce()
    {
        using var client = NewClient();

        using var first = await client.GetAsync("/account/login");
        using var second = await client.GetAsync("/account/login");

        Assert.NotEqual(Directives(Header(first, "Content-Security-Policy"))["script-src"], Directives(Header(second, "Content-Security-Policy"))["script-src"]);
    }

    [Fact]
    public async Task Get_JobDashboard_ItsOwnPolicyWithoutInlineScripts()
    {
        using var client = await app.Sessions.ClientAsync(Roles.SuperAdmin);

        using var response = await client.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = Directives(Header(response, "Content-Security-Policy"));
        Assert.Equal("'self'", policy["script-src"]);
        Assert.Equal("'self' 'unsafe-inline'", policy["style-src"]);
        Assert.Equal("'none'", policy["frame-ancestors"]);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    [Fact]
    public async Task Get_HttpsWithHstsOff_NoStrictTransportSecurity()
    {
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Host = "costpilot.example.com";
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    private HttpClient NewClient() => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private static string Header(HttpResponseMessage response, string name)
    {
        var found = response.Headers.TryGetValues(name, out var values) || (response.Content.Headers.TryGetValues(name, out values));
        Assert.True(found, $"No {name} header on {response.RequestMessage?.RequestUri} ({(int)response.StatusCode}).");
        return Assert.Single(values!);
    }

    private static Dictionary<string, string> Directives(string policy) =>
        policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : "", StringComparer.Ordinal);

    [GeneratedRegex("'nonce-([A-Za-z0-9_-]+)'")]
    private static partial Regex ScriptNonce();
}
