using System.Globalization;
using System.Text.RegularExpressions;
using CostPilot.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>
/// What the sample account costs, as a client sees it: the total and its parts on the account page, the CSV download whose rows add
/// up to the compute figure, the grid sorted by cost, volumes and Elastic IPs, the dashboard's total, a phone-width page, and the
/// admin's Prices card.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class SampleAccountCostsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Password = "Sample-Passw0rd-Long";

    [Fact]
    public async Task SampleAccount_TotalAndPartsOnThePage_CsvRowsSumToCompute_DashboardAndPhoneAgree()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var email = Ui.NewEmail("costs");
        await Ui.RegisterAsync(page, email, Password);
        await Expect(page).ToHaveURLAsync(OnboardingUrl());
        await Ui.WaitForCircuitAsync(page);
        await page.GetByTestId("method-sample").ClickAsync();
        await page.GetByTestId("connect-sample").ClickAsync();
        await Expect(page).ToHaveURLAsync(AccountUrl());
        await Ui.WaitForCircuitAsync(page);
        var accountUrl = page.Url;

        // The costs arrive with the scan, through the open circuit.
        await Expect(page.GetByTestId("account-status")).ToHaveAttributeAsync("data-status", "active", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("cost-by-region").GetByTestId("cost-slice").First).ToBeVisibleAsync();
        var total = await MoneyAsync(page.GetByTestId("account-monthly-cost"));
        var compute = await MoneyAsync(page.GetByTestId("account-compute-cost"));
        var storage = await MoneyAsync(page.GetByTestId("account-storage-cost"));
        var addresses = await MoneyAsync(page.GetByTestId("account-address-cost"));
        Assert.True(compute > 0 && storage > 0 && addresses > 0, $"compute {compute}, storage {storage}, addresses {addresses}");
        Assert.Equal(total, compute + storage + addresses);
        // Every slice of the region chart together is the whole account.
        var regions = await page.GetByTestId("cost-by-region").GetByTestId("cost-slice").Locator("td:last-child").AllInnerTextsAsync();
        Assert.Equal(total, regions.Sum(Parse));
        await Ui.ScreenshotAsync(page, "20-account-costs");

        // The download: the whole grid (no filter), whose monthly figures add up to the compute card to the cent.
        var instances = page.GetByTestId("instances-grid");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-instances-csv").ClickAsync());
        Assert.Matches(SampleFileName(), download.SuggestedFilename);
        var lines = (await File.ReadAllLinesAsync(await download.PathAsync())).Where(l => l.Length > 0).ToList();
        Assert.Equal("instance_id,name,region,instance_type,platform,lifecycle,state,hourly_usd,monthly_usd,price_source", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal(10, r.Length));
        Assert.Equal(326, rows.Count);
        Assert.Equal(compute, rows.Where(r => r[8].Length > 0).Sum(r => decimal.Parse(r[8], CultureInfo.InvariantCulture)));
        // What the page says about unknown instances is what the file says; the sample's spot instances are priced.
        var unknownRows = rows.Count(r => r[9] == "unknown");
        Assert.Equal(unknownRows, rows.Count(r => r[8].Length == 0));
        Assert.Contains(rows, r => r[9] == "spot" && r[8].Length > 0);
        var computeNote = page.GetByTestId("account-costs").Locator(".mud-grid-item").Nth(1);
        if (unknownRows == 0)
        {
            await Expect(page.GetByTestId("account-unknown-count")).ToHaveTextAsync("every price known");
        }
        else
        {
            await Expect(computeNote).ToContainTextAsync($"{unknownRows:N0} instance");
        }
        Assert.True(await page.EvaluateAsync<bool>("() => window.Blazor !== undefined"), "The download navigated away from the page.");

        // Sorted by monthly cost on the server, most expensive first; the spot label shows where spot instances are.
        var monthlyHeader = instances.Locator("th", new() { HasText = "Monthly" }).Locator(".sortable-column-header, .column-header").First;
        await monthlyHeader.ClickAsync();
        await monthlyHeader.ClickAsync();
        var monthly = instances.GetByTestId("instance-monthly-cost");
        var top = rows.Where(r => r[8].Length > 0).Max(r => decimal.Parse(r[8], CultureInfo.InvariantCulture));
        await Expect(monthly.First).ToHaveTextAsync(Usd(top));
        var shown = (await monthly.AllInnerTextsAsync()).Select(Parse).ToList();
        Assert.Equal(shown.OrderDescending(), shown);
        await Expect(page.GetByTestId("export-instances-csv")).ToHaveAttributeAsync("href", SortedExport());
        await Ui.ScreenshotAsync(page, "21-instances-by-monthly-cost");

        // Volumes and Elastic IPs, idle ones first and marked.
        await page.GetByRole(AriaRole.Tab, new() { Name = "EBS volumes" }).ClickAsync();
        var volumes = page.GetByTestId("volumes-grid");
        await Expect(volumes.Locator("tbody tr").First).ToBeVisibleAsync();
        await Expect(volumes.Locator("tbody tr").First.GetByTestId("idle-volume")).ToBeVisibleAsync();
        await Ui.ScreenshotAsync(page, "22-volumes");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Elastic IPs" }).ClickAsync();
        var eips = page.GetByTestId("addresses-grid");
        await Expect(eips.Locator("tbody tr").First).ToBeVisibleAsync();
        await Ui.ScreenshotAsync(page, "23-elastic-ips");

        // The dashboard: the total of all accounts, here the one account's total.
        await page.GotoAsync("/client");
        await Expect(page.GetByTestId("total-monthly-cost")).ToHaveTextAsync(Usd(total));
        await Expect(page.GetByTestId("account-row-cost")).ToHaveTextAsync(Usd(total));
        await Ui.ScreenshotAsync(page, "24-client-dashboard-costs");

        // A phone: the cards and charts stack, nothing scrolls sideways.
        await using var phone = await browser.NewContextAsync(390, 844);
        var small = await phone.NewPageAsync();
        await Ui.SignInAsync(small, email, Password);
        await Expect(small).ToHaveURLAsync(ClientUrl());
        await small.GotoAsync(accountUrl);
        await Ui.WaitForCircuitAsync(small);
        await Expect(small.GetByTestId("account-monthly-cost")).ToHaveTextAsync(Usd(total));
        await Expect(small.GetByTestId("cost-by-region")).ToBeVisibleAsync();
        Assert.False(await Ui.OverflowsHorizontallyAsync(small), "The account page scrolls sideways at 390 px.");
        var cards = await small.GetByTestId("account-costs").Locator(".stat-card").EvaluateAllAsync<double[]>("cs => cs.map(c => c.getBoundingClientRect().width)");
        Assert.All(cards, w => Assert.True(w <= 390, $"A cost card is {w} px wide."));
        await Ui.ScreenshotAsync(small, "25-account-costs-phone");
    }

    [Fact]
    public async Task LongNamedAccount_WithUnknownAndSpotPrices_HoldsAtDesktopAndPhoneWidths()
    {
        var email = Ui.NewEmail("long");
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await Ui.RegisterAsync(page, email, Password);
        await Expect(page).ToHaveURLAsync(OnboardingUrl());
        var user = await TestUsers.FindAsync(browser.App.Services, email);
        var id = await KnownFleet.SeedAsync(new CostInventory(browser.App.ConnectionString), user.Id, "123412341234");
        var db = new CostInventory(browser.App.ConnectionString);
        await db.SnapshotAsync(id, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1), 24_000.00m, 60.00m, 7.30m);
        await db.SnapshotAsync(id, DateOnly.FromDateTime(DateTime.UtcNow), KnownFleet.Compute, KnownFleet.Storage, KnownFleet.Addresses);

        foreach (var (width, name) in new[] { (1366, "26-long-account-1366"), (390, "27-long-account-phone") })
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.GotoAsync($"/client/accounts/{id}");
            await Ui.WaitForCircuitAsync(page);
            await Expect(page.GetByTestId("account-monthly-cost")).ToHaveTextAsync("$24,227.32");
            await Expect(page.GetByTestId("instances-grid").GetByTestId("spot-price")).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("instances-grid").Locator(".price-unknown")).ToHaveTextAsync("price unknown");
            Assert.False(await Ui.OverflowsHorizontallyAsync(page), $"The account page scrolls sideways at {width} px.");
            await Ui.ScreenshotAsync(page, name);
        }
    }

    [Fact]
    public async Task Admin_SeesThePricesCard()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await Ui.SignInAsync(page, CostPilotAppFactory.AdminEmail, CostPilotAppFactory.AdminPassword);
        await Expect(page).ToHaveURLAsync(AdminUrl());

        var card = page.GetByTestId("prices-card");
        await Expect(card.GetByTestId("prices-source")).ToHaveTextAsync("shipped snapshot");
        await Expect(card.GetByTestId("prices-count")).ToContainTextAsync("regions");
        await Expect(card.GetByTestId("prices-age")).ToContainTextAsync("day");
        await Expect(card.GetByTestId("refresh-prices")).ToBeEnabledAsync();
        await Ui.ScreenshotAsync(page, "28-admin-prices");
    }

    private static async Task<decimal> MoneyAsync(ILocator locator)
    {
        await Expect(locator).ToHaveTextAsync(MoneyText());
        return Parse(await locator.InnerTextAsync());
    }

    private static decimal Parse(string money) =>
        decimal.Parse(money.Trim().TrimStart('$').Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static string Usd(decimal amount) => "$" + amount.ToString("#,##0.00", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\$\d{1,3}(,\d{3})*\.\d{2}$")]
    private static partial Regex MoneyText();

    [GeneratedRegex(@"^sample-account-instances-\d{4}-\d{2}-\d{2}\.csv$")]
    private static partial Regex SampleFileName();

    [GeneratedRegex(@"/export/instances\.csv\?sort=MonthlyCost&desc=true$")]
    private static partial Regex SortedExport();

    [GeneratedRegex("/onboarding$")]
    private static partial Regex OnboardingUrl();

    [GeneratedRegex("/client$")]
    private static partial Regex ClientUrl();

    [GeneratedRegex("/admin$")]
    private static partial Regex AdminUrl();

    [GeneratedRegex("/client/accounts/[0-9a-f-]{36}$")]
    private static partial Regex AccountUrl();
}
