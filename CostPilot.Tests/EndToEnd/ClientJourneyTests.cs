using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

[Collection(BrowserTests.Name)]
public sealed partial class ClientJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Password = "Client-Passw0rd-Long";

    [Fact]
    public async Task ClientJourney_RegisterToggleThemeSignOutSignIn_LandsOnOnboarding()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var email = Ui.NewEmail("client");

        // Anonymous: the dashboard sends you to sign in.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await Expect(page.GetByTestId("sign-in")).ToBeVisibleAsync();
        await Ui.ScreenshotAsync(page, "01-sign-in");

        await page.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(RegisterUrl());
        await Ui.ScreenshotAsync(page, "02-register");

        await Ui.RegisterAsync(page, email, Password);
        await Expect(page).ToHaveURLAsync(OnboardingUrl());
        await Expect(page.GetByTestId("onboarding-title")).ToHaveTextAsync("Connect your first AWS account");
        await Ui.WaitForCircuitAsync(page);
        Assert.True(await Ui.BackgroundLuminanceAsync(page) > 0.8, "The default theme should be light.");
        await Ui.ScreenshotAsync(page, "03-onboarding-light");

        // Dark mode applies at once and is remembered in a cookie the server reads on the next load.
        await page.GetByTestId("theme-toggle").ClickAsync();
        await page.WaitForFunctionAsync($"() => ({Ui.BackgroundLuminanceScript})() < 0.2");
        await page.WaitForFunctionAsync("() => document.cookie.includes('costpilot-theme=dark')");
        await page.ReloadAsync();
        Assert.True(await Ui.BackgroundLuminanceAsync(page) < 0.2, "After a reload the page should still be dark.");
        var themeCookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "costpilot-theme");
        Assert.Equal("dark", themeCookie.Value);
        await Ui.WaitForCircuitAsync(page);
        await Ui.ScreenshotAsync(page, "04-onboarding-dark");

        // Sign out from the user menu, then back in with the same credentials.
        await page.GetByTestId("user-chip").ClickAsync();
        await page.GetByTestId("sign-out").ClickAsync();
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await Expect(page.GetByTestId("sign-in")).ToBeVisibleAsync();
        Assert.True(await Ui.BackgroundLuminanceAsync(page) < 0.2, "The sign-in page should follow the remembered dark theme.");
        await Ui.ScreenshotAsync(page, "12-sign-in-dark");

        await Ui.SignInAsync(page, email, Password);
        await Expect(page).ToHaveURLAsync(OnboardingUrl());
        await Expect(page.GetByTestId("onboarding-title")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ClientOpensAdmin_SignedIn_SeesAccessDenied()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await Ui.RegisterAsync(page, Ui.NewEmail("nosy"), Password);
        await Expect(page).ToHaveURLAsync(OnboardingUrl());

        // Typed into the address bar: the server refuses the page.
        await page.GotoAsync("/admin");
        await Expect(page.GetByText("You don't have access to that page")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("admin-title")).ToHaveCountAsync(0);
        await Ui.ScreenshotAsync(page, "09-access-denied");

        // Navigated to inside the running app: the router refuses it too.
        await page.GotoAsync("/onboarding");
        await Ui.WaitForCircuitAsync(page);
        await page.EvaluateAsync("() => Blazor.navigateTo('/admin')");
        await Expect(page.GetByText("You don't have access to this page")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("admin-title")).ToHaveCountAsync(0);

        // The job dashboard answers 403 to a client.
        var hangfire = await page.GotoAsync("/hangfire");
        Assert.Equal(403, hangfire!.Status);
    }

    [GeneratedRegex("/account/login")]
    private static partial Regex LoginUrl();

    [GeneratedRegex("/account/register")]
    private static partial Regex RegisterUrl();

    [GeneratedRegex("/onboarding$")]
    private static partial Regex OnboardingUrl();
}
