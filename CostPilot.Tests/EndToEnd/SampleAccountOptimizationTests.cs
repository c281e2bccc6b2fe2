using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>The sample account's simulated EC2 acts quickly and never fails here, so the journey is the same every run.</summary>
public sealed class OptimizationBrowserFixture : BrowserFixture
{
    public OptimizationBrowserFixture()
    {
        App.Settings["CostPilot:Sandbox:Actions:StopDelay"] = "00:00:02";
        App.Settings["CostPilot:Sandbox:Actions:StartDelay"] = "00:00:02";
        App.Settings["CostPilot:Sandbox:Actions:StatusCheckDelay"] = "00:00:02";
        App.Settings["CostPilot:Sandbox:Actions:FailureRate"] = "0";
        App.Settings["CostPilot:Experiments:PollInterval"] = "00:00:00.300";
    }
}

/// <summary>
/// Applying a recommendation as a client does it: the sample account's rightsize, the confirmation with the saving and the
/// expected downtime, each step pushed live to the row, the experiment in the account's Optimizations tab with its steps, the
/// downtime on the availability card, the history page's totals, and its CSV.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class SampleAccountOptimizationTests(OptimizationBrowserFixture browser) : IClassFixture<OptimizationBrowserFixture>
{
    private const string Password = "Sample-Passw0rd-Long";

    [Fact]
    public async Task SampleAccount_ApplyRightsize_StepsLive_HistoryTotals_Csv()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await Ui.RegisterAsync(page, Ui.NewEmail("apply"), Password);
        await Expect(page).ToHaveURLAsync(new Regex("/onboarding$"));
        await Ui.WaitForCircuitAsync(page);
        await page.GetByTestId("method-sample").ClickAsync();
        await page.GetByTestId("connect-sample").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/client/accounts/"));
        await Ui.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("utilization-status")).ToContainTextAsync("running instances with enough data", new() { Timeout = 60_000 });

        // The largest rightsize: Apply opens the confirmation.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Recommendations" }).ClickAsync();
        await page.GetByTestId("savings-by-kind").Locator("[data-kind=rightsize]").ClickAsync();
        var first = page.Locator("[data-testid=recommendation-row][data-kind=rightsize]").First;
        await Expect(first).ToBeVisibleAsync();
        var instanceId = await first.GetAttributeAsync("data-instance-id");
        Assert.False(string.IsNullOrEmpty(instanceId));
        // Pinned by its id: a live reload may reorder the list under a positional locator.
        var row = page.Locator($"[data-testid=recommendation-row][data-kind=rightsize][data-instance-id={instanceId}]");
        await row.GetByTestId("apply-recommendation").ClickAsync();
        var dialog = page.GetByTestId("apply-dialog");
        // The dialog is about the row clicked, even when a live reload reorders the list under the click.
        await Expect(dialog).ToContainTextAsync(instanceId!);
        // The confirmation reads the advice as stored now: the figure the experiment records.
        await Expect(dialog.GetByTestId("apply-saving")).ToContainTextAsync("/ month");
        var saving = (await dialog.GetByTestId("apply-saving").InnerTextAsync()).Split(' ')[0];
        Assert.StartsWith("$", saving, StringComparison.Ordinal);
        // No experiment of this kind yet: the default of two minutes.
        await Expect(dialog.GetByTestId("apply-downtime")).ToContainTextAsync("2 min 0 s");
        await Ui.ScreenshotAsync(page, "40-apply-confirmation");
        await page.GetByTestId("confirm-apply").ClickAsync();
        // The dialog closes once the experiment is recorded (an error would show in it instead).
        await Expect(page.GetByTestId("apply-error")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("confirm-apply")).ToHaveCountAsync(0);

        // Each step reaches the row live; it ends applied.
        var state = page.Locator($"[data-testid=recommendation-row][data-instance-id={instanceId}]").GetByTestId("experiment-state");
        var seen = new List<string>();
        for (var i = 0; i < 600 && !seen.Contains("succeeded"); i++)
        {
            if (await state.CountAsync() > 0 && await state.GetAttributeAsync("data-state") is { } s && (seen.Count == 0 || seen[^1] != s))
            {
                seen.Add(s);
                if (s == "stopping")
                {
                    await Ui.ScreenshotAsync(page, "41-apply-live-step");
                }
            }
            await Task.Delay(100);
        }
        if (!seen.Contains("succeeded"))
        {
            await Ui.ScreenshotAsync(page, "41-apply-not-finished");
        }
        Assert.True(seen.Contains("succeeded"),
            $"{instanceId}: states seen [{string.Join(", ", seen)}]; rows now: {await page.Locator("[data-testid=recommendation-row]").CountAsync()}, this one: {await page.Locator($"[data-testid=recommendation-row][data-instance-id={instanceId}]").CountAsync()}; first rows: {string.Join(" ", await page.Locator("[data-testid=recommendation-row]").EvaluateAllAsync<string[]>("rs => rs.slice(0, 5).map(r => r.dataset.instanceId)"))}");
        Assert.True(seen.Intersect(["checking", "stopping", "modifying", "starting", "verifying"]).Count() >= 2,
            $"states seen live: {string.Join(", ", seen)}");

        // The Optimizations tab: the experiment with its five steps; the availability card counts its downtime.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Optimizations" }).ClickAsync();
        var experiment = page.Locator($"[data-testid=experiment-row][data-instance-id={instanceId}]");
        await Expect(experiment).ToHaveAttributeAsync("data-state", "succeeded");
        await experiment.ClickAsync();
        var steps = page.GetByTestId("experiment-steps").GetByTestId("experiment-step");
        await Expect(steps).ToHaveCountAsync(5);
        Assert.Equal(["checking", "stopping", "modifying", "starting", "verifying"],
            await steps.EvaluateAllAsync<string[]>("ss => ss.map(s => s.dataset.state)"));
        await Expect(experiment.GetByTestId("experiment-saving")).ToHaveTextAsync(saving);
        var downtime = await experiment.GetByTestId("experiment-downtime").InnerTextAsync();
        Assert.Matches(@"^\d+ s$|^\d+ min \d+ s$", downtime);
        Assert.NotEqual("0 s", downtime);
        await Expect(page.GetByTestId("instance-availability")).ToContainTextAsync(instanceId!);
        await Ui.ScreenshotAsync(page, "42-optimizations-tab");

        // The history: totals this month and overall, the row, and the CSV with it.
        await page.GetByTestId("nav-optimizations").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/client/optimizations$"));
        await Expect(page.GetByTestId("realized-this-month")).ToHaveTextAsync($"{saving}/mo");
        await Expect(page.GetByTestId("realized-overall")).ToHaveTextAsync($"{saving}/mo");
        await Expect(page.Locator("[data-testid=experiment-row][data-state=succeeded]")).ToHaveCountAsync(1);
        await Ui.ScreenshotAsync(page, "43-optimization-history");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-experiments-csv").ClickAsync());
        var path = await download.PathAsync();
        var lines = await File.ReadAllLinesAsync(path!);
        Assert.StartsWith("experiment_id,created_at,completed_at,account,instance_id", lines[0], StringComparison.Ordinal);
        var line = Assert.Single(lines.Skip(1));
        Assert.Contains($",{instanceId},", line, StringComparison.Ordinal);
        Assert.Contains(",rightsize,", line, StringComparison.Ordinal);
        Assert.Contains(",succeeded,", line, StringComparison.Ordinal);
        Assert.Contains("," + decimal.Parse(saving.TrimStart('$').Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)
            .ToString("0.00", CultureInfo.InvariantCulture) + ",", line, StringComparison.Ordinal);

        // A phone: the history fits.
        await page.SetViewportSizeAsync(390, 844);
        await Expect(page.Locator("[data-testid=experiment-row]")).ToHaveCountAsync(1);
        await Ui.ScreenshotAsync(page, "44-optimization-history-phone");
        Assert.False(await Ui.OverflowsHorizontallyAsync(page), "The history page scrolls sideways at 390 px.");
    }
}
