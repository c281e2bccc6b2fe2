using System.Security.Claims;
using Bunit;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Layout;
using MudBlazor;

namespace CostPilot.Tests.Components;

public sealed class UserMenuTests : ComponentTestBase
{
    private static readonly ClaimsPrincipal Ada = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "ada@example.com")], "test"));

    [Fact]
    public void ClickUserChip_Closed_OpensMenuWithSignOutForm()
    {
        var popovers = Context.Render<MudPopoverProvider>();
        var menu = Context.Render<UserMenu>(p => p.Add(m => m.User, Ada));
        Assert.Equal("ada@example.com", menu.Find("[data-testid=user-chip] .user-name").TextContent);
        Assert.Empty(popovers.FindAll("[data-testid=sign-out]"));

        menu.Find("[data-testid=user-chip]").Click();

        var signOut = popovers.WaitForElement("[data-testid=sign-out]");
        var form = signOut.Closest("form")!;
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("/account/logout", form.GetAttribute("action"));
    }
}
