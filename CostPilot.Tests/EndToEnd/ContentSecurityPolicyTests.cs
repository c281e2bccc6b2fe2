using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using CostPilot.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>
/// The Content Security Policy breaks nothing: Blazor's circuit connects, MudBlazor draws its components and charts, and
/// Hangfire's dashboard runs, without the browser refusing a single script, style, image or connection.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class ContentSecurityPolicyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    // Runs before any page script, outside the page's policy: records every violation the browser reports.
    private const string RecordViolations = """
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', e =>
            window.__cspViolations.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' on ' + location.pathname));
        """;

    [Fact]
    public async Task Browse_ClientPagesAdminPagesAndJobDashboard_NoPolicyViolations()
    {
        var violations = new ConcurrentQueue<string>();

        await using (var client = await NewContextAsync(violations))
        {
            var page = await client.NewPageAsync();
            await Ui.RegisterAsync(page, Ui.NewEmail("csp"), "Csp-Passw0rd-Long");
            await Expect(page).ToHaveURLAsync(OnboardingUrl());
            await Ui.WaitForCircuitAsync(page);
            await page.GetByTestId("method-sample").ClickAsync();
            await page.GetByTestId("connect-sample").ClickAsync();
            await Expect(page).ToHaveURLAsync(AccountUrl());
            await Expect(page.GetByTestId("account-status")).ToHaveAttributeAsync("data-status", "active", new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("instances-grid").Locator("tbody tr").First).ToBeVisibleAsync();
            await CollectAsync(page, violations);
            await page.GotoAsync("/client");
            await Ui.WaitForCircuitAsync(page);
            await CollectAsync(page, violations);
        }

        await using (var admin = await NewContextAsync(violations))
        {
            var page = await admin.NewPageAsync();
            await Ui.SignInAsync(page, CostPilotAppFactory.AdminEmail, CostPilotAppFactory.AdminPassword);
            await Expect(page).ToHaveURLAsync(AdminUrl());
            await Ui.WaitForCircuitAsync(page);
            await Expect(page.GetByTestId("health-table")).ToContainTextAsync("database");
            await CollectAsync(page, violations);
            await page.GotoAsync("/admin/users");
            await Expect(page.GetByTestId("users-grid")).ToContainTextAsync(CostPilotAppFactory.AdminEmail);
            await CollectAsync(page, violations);

            await page.GotoAsync("/hangfire");
            await Expect(page).ToHaveTitleAsync(JobsTitle());
            // The dashboard's own script draws its realtime chart and polls for stats.
            await Expect(page.Locator("canvas#realtimeGraph")).ToBeAttachedAsync();
            await page.WaitForFunctionAsync("() => window.Chart !== undefined && Object.keys(Chart.instances).length > 0");
            await CollectAsync(page, violations);
            await page.GotoAsync("/hangfire/recurring");
            await Expect(page.GetByText("health-monitor").First).ToBeVisibleAsync();
            await CollectAsync(page, violations);
        }

        Assert.Empty(violations);
    }

    private async Task<IBrowserContext> NewContextAsync(ConcurrentQueue<string> violations)
    {
        var context = await browser.NewContextAsync();
        await context.AddInitScriptAsync(RecordViolations);
        // Chromium also reports each refusal on the console ("Refused to … because it violates … Content Security Policy").
        context.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Enqueue(message.Text);
            }
        };
        return context;
    }

    private static async Task CollectAsync(IPage page, ConcurrentQueue<string> violations)
    {
        foreach (var violation in await page.EvaluateAsync<string[]>("() => window.__cspViolations ?? []"))
        {
            violations.Enqueue(violation);
        }
    }

    [GeneratedRegex("/onboarding$")]
    private static partial Regex OnboardingUrl();

    [GeneratedRegex("/client/accounts/[0-9a-f-]{36}$")]
    private static partial Regex AccountUrl();

    [GeneratedRegex("/admin$")]
    private static partial Regex AdminUrl();

    [GeneratedRegex("CostPilot jobs")]
    private static partial Regex JobsTitle();
}
