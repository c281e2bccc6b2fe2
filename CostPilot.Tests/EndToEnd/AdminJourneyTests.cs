using System.Text.RegularExpressions;
using CostPilot.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

[Collection(BrowserTests.Name)]
public sealed partial class AdminJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AdminJourney_SignInAsSuperAdmin_SeesSystemUsersLogsAndJobs()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();

        // A wrong password: the statically rendered form comes back with the error and the e-mail kept.
        await Ui.SignInAsync(page, CostPilotAppFactory.AdminEmail, "not-the-password");
        await Expect(page.GetByTestId("form-error")).ToContainTextAsync("The e-mail or password is not right.");
        await Expect(page.Locator("#email")).ToHaveValueAsync(CostPilotAppFactory.AdminEmail);

        await Ui.SignInAsync(page, CostPilotAppFactory.AdminEmail, CostPilotAppFactory.AdminPassword);
        await Expect(page).ToHaveURLAsync(AdminUrl());
        await Expect(page.GetByTestId("admin-title")).ToBeVisibleAsync();
        var database = page.GetByTestId("health-table").Locator("tbody tr").Filter(new() { HasText = "database" });
        await Expect(database).ToContainTextAsync("healthy");
        await Ui.WaitForCircuitAsync(page);
        // The health history: a fresh app may not have recorded a run yet; the range toggle answers either way.
        await Expect(page.GetByTestId("health-history")).ToBeVisibleAsync();
        await page.GetByTestId("health-range-7d").ClickAsync();
        await Expect(page.GetByTestId("health-range-7d")).ToHaveAttributeAsync("aria-pressed", "true");
        await page.GetByTestId("health-range-24h").ClickAsync();
        await Expect(page.GetByTestId("health-range-24h")).ToHaveAttributeAsync("aria-pressed", "true");
        await Ui.ScreenshotAsync(page, "05-admin-dashboard");

        await page.GotoAsync("/admin/users");
        await Expect(page.GetByTestId("users-grid")).ToContainTextAsync(CostPilotAppFactory.AdminEmail);
        await Ui.ScreenshotAsync(page, "06-admin-users");

        // The app's own log lines reach system_logs and the admin's log view.
        await page.GotoAsync("/admin/logs");
        await Expect(page.GetByTestId("logs-grid")).ToContainTextAsync("Created the first super admin");
        await Ui.ScreenshotAsync(page, "07-admin-logs");

        await page.GotoAsync("/hangfire");
        await Expect(page).ToHaveTitleAsync(JobsTitle());
        await Ui.ScreenshotAsync(page, "08-hangfire");
        await page.GotoAsync("/hangfire/recurring");
        await Expect(page.GetByText("health-monitor").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task NarrowViewport_SignInAndAdminDashboard_FitThePhoneWidth()
    {
        await using var context = await browser.NewContextAsync(width: 390, height: 844);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/account/login");
        await Expect(page.GetByTestId("sign-in")).ToBeVisibleAsync();
        await Ui.ScreenshotAsync(page, "10-sign-in-narrow");
        Assert.False(await Ui.OverflowsHorizontallyAsync(page), "The sign-in page scrolls sideways at 390 px.");

        await Ui.SignInAsync(page, CostPilotAppFactory.AdminEmail, CostPilotAppFactory.AdminPassword);
        await Expect(page).ToHaveURLAsync(AdminUrl());
        await Expect(page.GetByTestId("health-table")).ToContainTextAsync("database");
        await Ui.WaitForCircuitAsync(page);
        await Ui.ScreenshotAsync(page, "11-admin-dashboard-narrow");
        Assert.False(await Ui.OverflowsHorizontallyAsync(page), "The admin dashboard scrolls sideways at 390 px.");
    }

    [GeneratedRegex("/admin$")]
    private static partial Regex AdminUrl();

    [GeneratedRegex("CostPilot jobs")]
    private static partial Regex JobsTitle();
}
