using System.Text.RegularExpressions;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>
/// A client watches the sample account's scan when the job server running it shuts down mid-scan (docker stop, a redeploy):
/// the page says the scan was interrupted and resumes, then fills live once a server takes it again. The app runs no job
/// server of its own; the test starts and stops them, as nodes come and go.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class InterruptedScanJourneyTests(InterruptedScanJourneyTests.Fixture browser) : IClassFixture<InterruptedScanJourneyTests.Fixture>
{
    private const string Password = "Resume-Passw0rd-Long";
    private const int SampleFleet = 326;

    public sealed class Fixture : BrowserFixture
    {
        public Fixture()
        {
            App.Settings["CostPilot:Jobs:Server"] = "false";
            // Slow pages (4 s each): the scan is stopped with part of the fleet stored, well before the rest comes, and the page
            // is seen filling.
            App.Settings["CostPilot:Sandbox:PageDelayMs"] = "4000";
        }
    }

    [Fact]
    public async Task AccountPage_ServerStopsMidScan_ShowsInterruptedResumingThenFillsLiveOnTheNextServer()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await Ui.RegisterAsync(page, Ui.NewEmail("resume"), Password);
        await Expect(page).ToHaveURLAsync(OnboardingUrl());
        await Ui.WaitForCircuitAsync(page);
        await page.GetByTestId("method-sample").ClickAsync();
        await page.GetByTestId("connect-sample").ClickAsync();
        await Expect(page).ToHaveURLAsync(AccountUrl());
        var accountId = Guid.Parse(page.Url[^36..]);
        await Ui.WaitForCircuitAsync(page);
        await page.EvaluateAsync("() => window.__sameDocument = true");
        var status = page.GetByTestId("account-status");

        // A job server takes the scan, and is stopped once part of the fleet is stored.
        var first = StartJobServer("first");
        try
        {
            await Expect(status).ToHaveAttributeAsync("data-status", "discovering");
            await Tests.Support.Eventually.WaitForAsync(() => StoredAsync(accountId), n => n > 0, TimeSpan.FromSeconds(60), "the first instances to be stored");
        }
        finally
        {
            first.SendStop();
            await first.WaitForShutdownAsync(CancellationToken.None);
            first.Dispose();
        }

        await Expect(status).ToHaveAttributeAsync("data-status", "interrupted");
        await Expect(status).ToHaveTextAsync("interrupted — resuming");
        await Expect(page.GetByTestId("status-message")).ToContainTextAsync("shut down before it finished");
        Assert.InRange(await StoredAsync(accountId), 1, SampleFleet - 1);
        await Ui.ScreenshotAsync(page, "15-scan-interrupted-resuming");

        // The next server resumes it; the page follows without a reload.
        var second = StartJobServer("second");
        try
        {
            await Expect(status).ToHaveAttributeAsync("data-status", "discovering");
            await Expect(status).ToHaveAttributeAsync("data-status", "active", new() { Timeout = 60_000 });
            await Expect(page.Locator("p.mud-table-pagination-caption[translate=no]")).ToContainTextAsync($"of {SampleFleet}");
            await Expect(page.GetByTestId("region-table").Locator("tbody tr")).ToHaveCountAsync(5);
            await Expect(page.GetByTestId("status-message")).ToHaveCountAsync(0);
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "The page was reloaded.");
            Assert.Equal(SampleFleet, await StoredAsync(accountId));
        }
        finally
        {
            second.SendStop();
            await second.WaitForShutdownAsync(CancellationToken.None);
            second.Dispose();
        }
    }

    /// <summary>A job server of the app's own storage and services, as another node would run.</summary>
    private BackgroundJobServer StartJobServer(string name) => new(
        new BackgroundJobServerOptions
        {
            ServerName = name,
            WorkerCount = 1,
            Activator = browser.App.Services.GetRequiredService<JobActivator>(),
        },
        browser.App.Services.GetRequiredService<JobStorage>());

    private async Task<int> StoredAsync(Guid accountId)
    {
        await using var db = await browser.App.CreateDbContextAsync();
        return await db.Instances.CountAsync(i => i.AccountId == accountId);
    }

    [GeneratedRegex("/onboarding$")]
    private static partial Regex OnboardingUrl();

    [GeneratedRegex("/client/accounts/[0-9a-f-]{36}$")]
    private static partial Regex AccountUrl();
}
