using CostPilot.Tests.Support;
using Microsoft.Playwright;

namespace CostPilot.Tests.EndToEnd;

/// <summary>
/// One running app (Kestrel, its own database) and one headless Chromium per test class; every
/// test opens its own browser context, so cookies never leak between tests.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumVariable = "COSTPILOT_CHROMIUM";
    public const string DefaultChromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public KestrelAppFactory App { get; } = new();

    public virtual async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } path ? path : DefaultChromium;
        if (!File.Exists(chromium))
        {
            // Fail, never skip: a missing browser must not look like a passing UI.
            throw new InvalidOperationException(
                $"Chromium is not at {chromium}. Install it (apt-get install -y chromium) or set {ChromiumVariable} to its path.");
        }
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(15_000);
        var appStart = App.InitializeAsync();
        try
        {
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = chromium,
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                ],
            });
        }
        finally
        {
            // The app starts while the browser launches; never leave its start unobserved.
            await appStart;
        }
    }

    /// <summary>A fresh browser context (own cookies) on the app, desktop-sized unless told otherwise.</summary>
    public async Task<IBrowserContext> NewContextAsync(int width = 1366, int height = 900)
    {
        var context = await _browser!.NewContextAsync(new()
        {
            BaseURL = App.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new() { Width = width, Height = height },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        context.SetDefaultNavigationTimeout(20_000);
        return context;
    }

    public virtual async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await ((IAsyncLifetime)App).DisposeAsync();
    }
}
