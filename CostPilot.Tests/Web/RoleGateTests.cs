using System.Net;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CostPilot.Tests.Web;

/// <summary>Who may open which page, checked over plain HTTP with redirects left visible.</summary>
public sealed class RoleGateTests : IClassFixture<RoleGateTests.App>
{
    private readonly App _app;

    public RoleGateTests(App app) => _app = app;

    public static TheoryData<string> AdminPages => ["/admin", "/admin/users", "/admin/logs", "/admin/accounts", "/admin/jobs", "/admin/audit"];

    public static TheoryData<string> AdminRoutes => ["/admin", "/admin/users", "/admin/logs", "/admin/accounts", "/admin/jobs", "/admin/audit", "/hangfire"];

    public static TheoryData<string> ClientPages => ["/client", "/onboarding"];

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    [MemberData(nameof(ClientPages))]
    public async Task Get_Anonymous_RedirectsToLoginWithReturnUrl(string path)
    {
        using var client = NewClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/account/login?ReturnUrl={Uri.EscapeDataString(path)}", Redirects.LocalTarget(response));
    }

    [Theory]
    [MemberData(nameof(AdminPages))]
    public async Task Get_AdminPageAsClient_RedirectsToAccessDenied(string path)
    {
        using var client = await SignedInAsync(Roles.Client);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/access-denied", Redirects.LocalPath(response));
    }

    [Fact]
    public async Task Get_HangfireAsClient_Returns403()
    {
        using var client = await SignedInAsync(Roles.Client);

        using var response = await client.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Get_AccessDeniedPageAsClient_Returns403()
    {
        using var client = await SignedInAsync(Roles.Client);

        using var response = await client.GetAsync("/account/access-denied");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("have access", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Get_AdminRouteAsAdmin_Returns200(string path)
    {
        using var client = await SignedInAsync(Roles.Admin);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Get_AdminRouteAsSuperAdmin_Returns200(string path)
    {
        using var client = await SignedInAsync(Roles.SuperAdmin);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(ClientPages))]
    public async Task Get_ClientPageAsClient_Returns200(string path)
    {
        using var client = await SignedInAsync(Roles.Client);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(ClientPages))]
    public async Task Get_ClientPageAsAdmin_RedirectsToAccessDenied(string path)
    {
        using var client = await SignedInAsync(Roles.Admin);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/access-denied", Redirects.LocalPath(response));
    }

    [Fact]
    public async Task GetHealth_Anonymous_Returns200()
    {
        using var client = NewClient();

        using var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private HttpClient NewClient() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private Task<HttpClient> SignedInAsync(string role) => _app.Sessions.ClientAsync(role);

    /// <summary>The app, plus one signed-in session per role shared by this class's tests.</summary>
    public sealed class App : CostPilotAppFactory
    {
        public App() => Sessions = new SessionCookies(this);

        public SessionCookies Sessions { get; }
    }
}
