using Bunit;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Pages.Account;

namespace CostPilot.Tests.Components;

public sealed class SignInFormTests : ComponentTestBase
{
    private readonly List<LoginInput> _submitted = [];

    private IRenderedComponent<SignInForm> RenderForm() =>
        Context.Render<SignInForm>(p => p.Add(f => f.OnValidSubmit, input => _submitted.Add(input)));

    private static List<string> ValidationMessages(IRenderedComponent<SignInForm> form) =>
        [.. form.FindAll(".cp-validation").Select(e => e.TextContent.Trim())];

    [Fact]
    public void Submit_EmptyForm_ShowsBothRequiredMessagesAndDoesNotSubmit()
    {
        var form = RenderForm();

        form.Find("form").Submit();

        Assert.Equal(["Enter your e-mail.", "Enter your password."], ValidationMessages(form));
        Assert.Empty(_submitted);
    }

    [Fact]
    public void Submit_InvalidEmail_ShowsInvalidEmailMessage()
    {
        var form = RenderForm();
        form.Find("#email").Change("not-an-email");
        form.Find("#password").Change("whatever-it-is");

        form.Find("form").Submit();

        Assert.Equal(["Enter a valid e-mail address."], ValidationMessages(form));
        Assert.Empty(_submitted);
    }

    [Fact]
    public void Submit_ValidForm_RaisesOnValidSubmitWithTheValues()
    {
        var form = RenderForm();
        form.Find("#email").Change("ada@example.com");
        form.Find("#password").Change("correct horse battery");
        form.Find("input[type=checkbox]").Change(true);

        form.Find("form").Submit();

        var input = Assert.Single(_submitted);
        Assert.Equal("ada@example.com", input.Email);
        Assert.Equal("correct horse battery", input.Password);
        Assert.True(input.RememberMe);
        Assert.Empty(ValidationMessages(form));
    }

    [Fact]
    public void Render_WithErrorAndReturnUrl_ShowsErrorAndCarriesReturnUrlToRegister()
    {
        var form = Context.Render<SignInForm>(p => p
            .Add(f => f.Error, "The e-mail or password is not right.")
            .Add(f => f.ReturnUrl, "/admin/logs"));

        Assert.Equal("The e-mail or password is not right.", form.Find("[data-testid=form-error]").TextContent.Trim());
        Assert.Equal("/account/register?returnUrl=%2Fadmin%2Flogs", form.Find("a[href^='/account/register']").GetAttribute("href"));
        // The statically rendered POST relies on these names and the form name.
        Assert.Equal("Input.Email", form.Find("#email").GetAttribute("name"));
        Assert.Equal("Input.Password", form.Find("#password").GetAttribute("name"));
    }
}
