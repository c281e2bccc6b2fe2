using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>
/// The interactive API reference (Scalar) reached from the app's footer: its script runs under the app's Content Security
/// Policy and lists the operations of the generated document.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class ApiReferenceTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Reference_FromTheFooter_ListsTheOperationsWithoutPolicyViolations()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(message.Text);
            }
        };
        await Ui.RegisterAsync(page, Ui.NewEmail("reference"), "Client-Passw0rd-Long");
        await Expect(page.GetByTestId("api-docs-link")).ToHaveAttributeAsync("href", "/api/docs");

        await page.GotoAsync("/api/docs");

        await Expect(page.GetByText("Sign in with e-mail and password").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.GetByText("Your AWS accounts, with status, instance counts and monthly cost").First).ToBeVisibleAsync();
        // The first screen (the whole reference is several thousand pixels tall).
        Directory.CreateDirectory(Support.RepositoryPaths.Screenshots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Support.RepositoryPaths.Screenshots, "60-api-reference.png") });
        Assert.Empty(violations);
    }
}
