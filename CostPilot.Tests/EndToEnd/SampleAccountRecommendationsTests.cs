using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>
/// The sample account's recommendations as a client sees them: the scan, then CloudWatch (simulated) read live, the potential
/// savings, the list largest saving first, one kind at a time, an instance's 14-day CPU chart, the dashboard, and a phone.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class SampleAccountRecommendationsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Password = "Sample-Passw0rd-Long";

    private static readonly string[] Kinds = ["idle", "rightsize", "graviton", "modernize", "stopped-long", "unattached-volume", "gp2-to-gp3", "idle-address"];

    [Fact]
    public async Task SampleAccount_RecommendationsSortedBySaving_KindFilter_CpuChart_DashboardAndPhone()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var email = Ui.NewEmail("recs");
        await Ui.RegisterAsync(page, email, Password);
        await Expect(page).ToHaveURLAsync(new Regex("/onboarding$"));
        await Ui.WaitForCircuitAsync(page);
        await page.GetByTestId("method-sample").ClickAsync();
        await page.GetByTestId("connect-sample").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/client/accounts/"));
        await Ui.WaitForCircuitAsync(page);
        var accountUrl = page.Url;

        // The scan, then the utilization job: both reach the open page by push.
        await Expect(page.GetByTestId("account-status")).ToHaveAttributeAsync("data-status", "active", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("utilization-status")).ToContainTextAsync("running instances with enough data", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("potential-savings")).Not.ToHaveTextAsync("$0.00");
        var total = Parse(await page.GetByTestId("potential-savings").InnerTextAsync());
        Assert.True(total > 0, $"potential savings {total}");
        await Ui.ScreenshotAsync(page, "30-potential-savings");

        // The list: largest saving first, each row a hook with its kind and resource.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Recommendations" }).ClickAsync();
        var rows = page.GetByTestId("recommendation-row");
        await Expect(rows.First).ToBeVisibleAsync();
        var savings = (await page.GetByTestId("recommendation-saving").AllInnerTextsAsync()).Select(ParseOrMinus).ToList();
        Assert.True(savings.Count > 1);
        Assert.Equal(savings.OrderDescending(), savings);
        Assert.Equal(savings[0], savings.Max());
        var kinds = await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.kind)");
        Assert.All(kinds, k => Assert.Contains(k, Kinds));
        var instanceRows = await rows.EvaluateAllAsync<string[]>("rs => rs.filter(r => r.dataset.instanceId).map(r => r.dataset.instanceId)");
        Assert.NotEmpty(instanceRows);
        await Ui.ScreenshotAsync(page, "31-recommendations");
        await Ui.ScreenshotAsync(page.GetByTestId("recommendations-table"), "31b-recommendations-table");
        await Ui.ScreenshotAsync(page.GetByTestId("savings-card"), "31c-savings-card");

        // Every kind of the sample is on the card; one chip shows that kind only.
        var chips = await page.GetByTestId("savings-by-kind").Locator("[data-kind]").EvaluateAllAsync<string[]>("cs => cs.map(c => c.dataset.kind)");
        Assert.Equal(Kinds.Order(), chips.Order());
        await page.GetByTestId("savings-by-kind").Locator("[data-kind=idle-address]").ClickAsync();
        await Expect(rows.First).ToHaveAttributeAsync("data-kind", "idle-address");
        Assert.All(await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.kind)"), k => Assert.Equal("idle-address", k));

        // An instance with advice opens its 14-day CPU chart.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Instances" }).ClickAsync();
        var advised = page.GetByTestId("instances-grid").GetByTestId("instance-advice").First;
        await Expect(advised).ToBeVisibleAsync();
        await advised.ClickAsync();
        var detail = page.GetByTestId("instance-detail");
        await Expect(detail.GetByTestId("cpu-summary")).ToContainTextAsync("p95");
        await Ui.ScreenshotAsync(page, "32-instance-cpu-chart");
        // Two series (hourly average and maximum), drawn as lines.
        await Expect(detail.GetByTestId("cpu-chart").Locator("svg path.mud-chart-line")).ToHaveCountAsync(2);
        await Expect(detail.GetByTestId("detail-recommendation")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");

        // The dashboard: the same total, and the best recommendations.
        await page.GotoAsync("/client");
        await Expect(page.GetByTestId("total-potential-savings")).ToHaveTextAsync($"{Usd(total)} / month");
        await Expect(page.GetByTestId("account-row-savings")).ToHaveTextAsync(Usd(total));
        await Expect(page.GetByTestId("top-recommendation")).ToHaveCountAsync(10);
        await Ui.ScreenshotAsync(page, "33-dashboard-savings");

        // A phone: the card and the list fit.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(accountUrl);
        await Ui.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("potential-savings")).ToHaveTextAsync(Usd(total));
        await page.GetByRole(AriaRole.Tab, new() { Name = "Recommendations" }).ClickAsync();
        await Expect(rows.First).ToBeVisibleAsync();
        Assert.False(await Ui.OverflowsHorizontallyAsync(page), "The account page scrolls sideways at 390 px.");
        await Ui.ScreenshotAsync(page, "34-recommendations-phone");
        await Ui.ScreenshotAsync(page.GetByTestId("recommendations-table"), "34b-recommendations-table-phone");
    }

    private static decimal Parse(string money) =>
        decimal.Parse(money.Trim().TrimStart('$').Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static decimal ParseOrMinus(string money) => money.Trim().StartsWith('$') ? Parse(money) : -1m;

    private static string Usd(decimal amount) => "$" + amount.ToString("#,##0.00", CultureInfo.InvariantCulture);
}
