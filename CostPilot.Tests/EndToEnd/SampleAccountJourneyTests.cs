using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>A client connects the sample account and watches discovery fill the page live: no reload, no polling.</summary>
[Collection(BrowserTests.Name)]
public sealed partial class SampleAccountJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Password = "Sample-Passw0rd-Long";

    [Fact]
    public async Task ConnectSample_StatusGoesActiveAndGridFills_WithoutReload_ThenSortAndFilter()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await Ui.RegisterAsync(page, Ui.NewEmail("sample"), Password);
        await Expect(page).ToHaveURLAsync(OnboardingUrl());
        await Ui.WaitForCircuitAsync(page);

        await page.GetByTestId("method-sample").ClickAsync();
        await page.GetByTestId("connect-sample").ClickAsync();
        await Expect(page).ToHaveURLAsync(AccountUrl());
        await Ui.WaitForCircuitAsync(page);
        // A marker that a reload would wipe: everything below must arrive through the open circuit.
        await page.EvaluateAsync("() => window.__sameDocument = true");

        await Expect(page.GetByTestId("account-status")).ToHaveAttributeAsync("data-status", "active", new() { Timeout = 60_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "The page was reloaded.");
        var grid = page.GetByTestId("instances-grid");
        await Expect(grid.Locator("tbody tr").First).ToBeVisibleAsync();
        await Expect(page.Locator("p.mud-table-pagination-caption[translate=no]")).ToContainTextAsync("of 326");
        await Expect(page.GetByTestId("region-table").Locator("tbody tr")).ToHaveCountAsync(5);
        // Each region's last complete scan, which dates its instances' last sighting.
        await Expect(page.GetByTestId("region-table").Locator("tbody tr td:last-child")).ToHaveTextAsync(Enumerable.Repeat(ScanTime(), 5).ToArray(), new() { UseInnerText = true });
        await Ui.ScreenshotAsync(page, "13-sample-account");

        // Sort by type: the grid asks the server for the first page in that order.
        await grid.Locator("th", new() { HasText = "Type" }).Locator(".sortable-column-header, .column-header").First.ClickAsync();
        await Expect(grid.Locator("tbody tr").First.Locator("td").Nth(2).GetByTestId("instance-type")).ToHaveTextAsync("c4.large");

        // Filter by state, then by text: every row shown matches.
        await page.GetByTestId("filter-state").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "stopped", Exact = true }).ClickAsync();
        await Expect(page.Locator("p.mud-table-pagination-caption[translate=no]")).Not.ToContainTextAsync("of 326");
        // Retrying expectations: the rows are checked once the grid has rendered the filtered answer, however long it takes.
        var states = grid.Locator("tbody tr td:nth-child(4)");
        await Expect(states.First).ToHaveTextAsync("stopped");
        await Expect(states.Filter(new() { HasNotText = "stopped" })).ToHaveCountAsync(0);

        await page.Locator("input[data-testid=filter-text]").FillAsync("payments");
        var names = grid.Locator("tbody tr td:nth-child(1)");
        await Expect(names.First).ToContainTextAsync("payments");
        await Expect(names.Filter(new() { HasNotText = "payments" })).ToHaveCountAsync(0);
        await Expect(states.Filter(new() { HasNotText = "stopped" })).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "Filtering reloaded the page.");

        // The dashboard lists the account as a sample.
        await page.GotoAsync("/client");
        await Expect(page.GetByTestId("accounts-table")).ToContainTextAsync("Sample account");
        await Expect(page.GetByTestId("accounts-table").GetByTestId("account-status")).ToHaveAttributeAsync("data-status", "active");
        await Ui.ScreenshotAsync(page, "14-client-dashboard");
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")]
    private static partial Regex ScanTime();

    [GeneratedRegex("/onboarding$")]
    private static partial Regex OnboardingUrl();

    [GeneratedRegex("/client/accounts/[0-9a-f-]{36}$")]
    private static partial Regex AccountUrl();
}
