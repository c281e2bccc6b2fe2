using CostPilot.Tests.Support;
using Microsoft.Playwright;

namespace CostPilot.Tests.EndToEnd;

/// <summary>The few steps every browser test needs, written once.</summary>
internal static class Ui
{
    /// <summary>
    /// Waits until the page's Blazor circuit is live. A click on a prerendered page before then is
    /// lost. MudBlazor's popover provider initialises its JS only from an interactive render, after
    /// the circuit has applied its first batch, so its container class being set means handlers are wired.
    /// </summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        page.WaitForFunctionAsync("() => window.Blazor !== undefined && window.mudpopoverHelper?.mainContainerClass != null");

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(RepositoryPaths.Screenshots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepositoryPaths.Screenshots, name + ".png"), FullPage = true });
    }

    /// <summary>Just one part of a page, for a look at a table or a card without the page around it.</summary>
    public static async Task ScreenshotAsync(ILocator part, string name)
    {
        Directory.CreateDirectory(RepositoryPaths.Screenshots);
        await part.ScreenshotAsync(new() { Path = Path.Combine(RepositoryPaths.Screenshots, name + ".png") });
    }

    public static async Task SignInAsync(IPage page, string email, string password)
    {
        if (!page.Url.Contains("/account/login", StringComparison.Ordinal))
        {
            await page.GotoAsync("/account/login");
        }
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.GetByTestId("sign-in").ClickAsync();
    }

    public static async Task RegisterAsync(IPage page, string email, string password)
    {
        if (!page.Url.Contains("/account/register", StringComparison.Ordinal))
        {
            await page.GotoAsync("/account/register");
        }
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#confirmPassword").FillAsync(password);
        await page.GetByTestId("register").ClickAsync();
    }

    public static string NewEmail(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)] + "@example.com";

    /// <summary>Relative luminance (0 black … 1 white) of the page background.</summary>
    public static Task<double> BackgroundLuminanceAsync(IPage page) =>
        page.EvaluateAsync<double>(BackgroundLuminanceScript);

    public const string BackgroundLuminanceScript = """
        () => {
            const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g).map(Number);
            return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        }
        """;

    /// <summary>Whether the page is wider than the window (a sideways scrollbar on a phone).</summary>
    public static Task<bool> OverflowsHorizontallyAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");
}
