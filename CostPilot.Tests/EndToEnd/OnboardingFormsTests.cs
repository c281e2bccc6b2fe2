using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>Malformed credentials are refused in the form with a message that says what is wrong; nothing is connected.</summary>
[Collection(BrowserTests.Name)]
public sealed class OnboardingFormsTests(OnboardingFormsTests.RoleReadyFixture browser) : IClassFixture<OnboardingFormsTests.RoleReadyFixture>
{
    /// <summary>The app with a principal for client roles to trust, so the role form is offered.</summary>
    public sealed class RoleReadyFixture : BrowserFixture
    {
        public RoleReadyFixture() => App.Settings["CostPilot:Aws:TrustedPrincipalArn"] = "arn:aws:iam::111122223333:role/CostPilotServer";
    }

    private const string Password = "Forms-Passw0rd-Long";

    [Fact]
    public async Task ConnectForms_MalformedKeysAndRoleArn_ExplainedInTheFormAndNoAccountMade()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await Ui.RegisterAsync(page, Ui.NewEmail("forms"), Password);
        await Ui.WaitForCircuitAsync(page);

        await page.GetByTestId("method-keys").ClickAsync();
        await page.Locator("input[data-testid=access-key-id]").FillAsync("AKIA123");
        await page.Locator("input[data-testid=secret-access-key]").FillAsync("not-a-secret");
        await page.GetByTestId("connect-keys").ClickAsync();
        await Expect(page.GetByTestId("form-error")).ToContainTextAsync("An access key id is AKIA or ASIA followed by 16 upper-case letters and digits.");

        await page.Locator("input[data-testid=access-key-id]").FillAsync("AKIAABCDEFGHIJKLMNOP");
        await page.Locator("input[data-testid=secret-access-key]").FillAsync(new string('s', 39));
        await page.GetByTestId("connect-keys").ClickAsync();
        await Expect(page.GetByTestId("form-error")).ToContainTextAsync("A secret access key is exactly 40 characters");
        // The secret never comes back into the page as text.
        Assert.DoesNotContain(new string('s', 39), await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        await Ui.ScreenshotAsync(page, "15-onboarding-keys-error");

        await page.GotoAsync("/onboarding");
        await Ui.WaitForCircuitAsync(page);
        await page.GetByTestId("method-role").ClickAsync();
        await Expect(page.GetByTestId("external-id")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-Za-z0-9_-]{32,}$"));
        await page.Locator("input[data-testid=role-arn]").FillAsync("arn:aws:iam::12345:role/CostPilot");
        await page.GetByTestId("connect-role").ClickAsync();
        await Expect(page.GetByTestId("form-error")).ToContainTextAsync("That is not an IAM role ARN.");
        await Ui.ScreenshotAsync(page, "16-onboarding-role-error");

        // Nothing was connected: the client still has no account to land on.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/onboarding$"));
    }
}
