using CostPilot.Infrastructure.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>
/// The API tokens card in a real browser: an interactive island on the statically rendered profile page. Make a token, see it
/// once, find it gone from the page after a reload, revoke it.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class AccessTokensJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Password = "Client-Passw0rd-Long";

    [Fact]
    public async Task ProfileTokens_CreateShownOnceThenRevoke_TokenWorksThenStops()
    {
        var tokens = browser.App.Services.GetRequiredService<PersonalAccessTokenService>();
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await Ui.RegisterAsync(page, Ui.NewEmail("tokens"), Password);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/onboarding$"));

        await page.GotoAsync("/account/profile");
        var card = page.GetByTestId("tokens-card");
        await Expect(card.GetByRole(AriaRole.Link, new() { Name = "API reference" })).ToHaveAttributeAsync("href", "/api/docs");
        // The button is enabled once the island's circuit is live.
        await Expect(card.GetByTestId("token-create")).ToBeEnabledAsync();

        await card.GetByTestId("token-name").FillAsync("nightly report");
        await card.GetByTestId("token-expiry").SelectOptionAsync("30");
        await card.GetByTestId("token-create").ClickAsync();

        var value = card.GetByTestId("token-created").GetByTestId("token-value");
        await Expect(value).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^cpat_[A-Za-z0-9_-]{43}$"));
        var token = (await value.TextContentAsync())!.Trim();
        await Expect(card.GetByTestId("token-row")).ToHaveCountAsync(1);
        await Expect(card.GetByTestId("token-row")).ToContainTextAsync("nightly report");
        await Ui.ScreenshotAsync(card, "tokens-created");
        await page.SetViewportSizeAsync(390, 844);
        await Ui.ScreenshotAsync(card, "tokens-created-phone");
        await page.SetViewportSizeAsync(1366, 900);
        Assert.NotNull(await tokens.AuthenticateAsync(token));

        await page.ReloadAsync();
        await Expect(card.GetByTestId("token-row")).ToHaveCountAsync(1);
        await Expect(card.GetByTestId("token-created")).ToHaveCountAsync(0);
        Assert.DoesNotContain(token, await page.ContentAsync(), StringComparison.Ordinal);

        await card.GetByTestId("token-revoke").ClickAsync();
        await card.GetByTestId("token-revoke-confirm").ClickAsync();

        await Expect(card.GetByTestId("token-row")).ToHaveCountAsync(0);
        await Expect(card.GetByTestId("tokens-empty")).ToBeVisibleAsync();
        Assert.Null(await tokens.AuthenticateAsync(token));
    }
}
