using Bunit;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Layout;

namespace CostPilot.Tests.Components;

public sealed class NavMenuTests : ComponentTestBase
{
    private static readonly string[] ClientLinks = ["/client", "/client/optimizations", "/onboarding"];
    private static readonly string[] AdminLinks = ["/admin", "/admin/users", "/admin/logs", "/admin/accounts", "/admin/jobs", "/admin/audit", "/hangfire"];

    private List<string> RenderLinks()
    {
        var menu = Context.Render<NavMenu>();
        return [.. menu.FindAll("a[href]").Select(a => a.GetAttribute("href")!)];
    }

    [Fact]
    public void Render_Anonymous_ShowsOnlySignInAndRegister()
    {
        Context.AddAuthorization();

        var links = RenderLinks();

        Assert.Equal(["/account/login", "/account/register"], links);
    }

    [Fact]
    public void Render_Client_ShowsClientLinksAndNoAdminLinks()
    {
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("client@example.com");
        auth.SetRoles(Roles.Client);

        var links = RenderLinks();

        Assert.Equal([.. ClientLinks, "/account/profile"], links);
        Assert.DoesNotContain(links, l => l.StartsWith("/admin", StringComparison.Ordinal) || l.StartsWith("/hangfire", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.SuperAdmin)]
    public void Render_AdminRole_ShowsAdminLinksAndNoClientLinks(string role)
    {
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("admin@example.com");
        auth.SetRoles(role);

        var links = RenderLinks();

        Assert.Equal([.. AdminLinks, "/account/profile"], links);
        Assert.DoesNotContain(links, ClientLinks.Contains);
    }

    [Fact]
    public void Render_Admin_OpensJobDashboardInNewTab()
    {
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("admin@example.com");
        auth.SetRoles(Roles.Admin);

        var menu = Context.Render<NavMenu>();

        Assert.Equal("_blank", menu.Find("a[href='/hangfire']").GetAttribute("target"));
    }
}
