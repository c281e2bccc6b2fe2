using System.Net;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Tests.Web;

public sealed class RegistrationTests : IClassFixture<CostPilotAppFactory>
{
    private readonly CostPilotAppFactory _app;

    public RegistrationTests(CostPilotAppFactory app) => _app = app;

    [Fact]
    public async Task Register_NewEmail_CreatesClientAndRedirectsToOnboarding()
    {
        using var client = NewClient();
        var email = TestUsers.NewEmail("register");

        using var response = await FormClient.RegisterAsync(client, email, TestUsers.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/onboarding", Redirects.LocalTarget(response));
        var user = await TestUsers.FindAsync(_app.Services, email);
        Assert.Equal([Roles.Client], await TestUsers.RolesOfAsync(_app.Services, user.Id));
        Assert.Equal(1, await CountUsersAsync(email));
    }

    [Fact]
    public async Task Register_DuplicateEmail_ShowsAlreadyExistsAndAddsNoRow()
    {
        var existing = await TestUsers.CreateClientAsync(_app.Services);
        using var client = NewClient();

        using var response = await FormClient.RegisterAsync(client, existing.Email, "Another-Passw0rd-Long");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = PageText.FormError(await response.Content.ReadAsStringAsync());
        Assert.NotNull(error);
        Assert.Contains("already exists", error, StringComparison.Ordinal);
        Assert.Equal(1, await CountUsersAsync(existing.Email));
    }

    [Fact]
    public async Task Register_DuplicateEmailInOtherCase_ShowsAlreadyExistsAndAddsNoRow()
    {
        var existing = await TestUsers.CreateClientAsync(_app.Services);
        using var client = NewClient();

        using var response = await FormClient.RegisterAsync(client, existing.Email.ToUpperInvariant(), "Another-Passw0rd-Long");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("already exists", PageText.FormError(await response.Content.ReadAsStringAsync()) ?? "", StringComparison.Ordinal);
        Assert.Equal(1, await CountUsersAsync(existing.Email));
    }

    [Fact]
    public async Task Register_ConfirmationDiffers_ShowsMismatchAndAddsNoRow()
    {
        using var client = NewClient();
        var email = TestUsers.NewEmail("mismatch");

        using var response = await FormClient.PostFormAsync(client, "/account/register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = TestUsers.Password,
            ["Input.ConfirmPassword"] = TestUsers.Password + "x",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The two passwords do not match.", PageText.ValidationMessages(await response.Content.ReadAsStringAsync()));
        Assert.Equal(0, await CountUsersAsync(email));
    }

    [Fact]
    public async Task Register_PasswordTooShort_ShowsLengthRuleAndAddsNoRow()
    {
        using var client = NewClient();
        var email = TestUsers.NewEmail("short");

        using var response = await FormClient.RegisterAsync(client, email, "Short-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The password must be 10 to 128 characters long.", PageText.ValidationMessages(await response.Content.ReadAsStringAsync()));
        Assert.Equal(0, await CountUsersAsync(email));
    }

    [Fact]
    public async Task Register_PasswordWithTooFewDistinctCharacters_ShowsIdentityRuleAndAddsNoRow()
    {
        using var client = NewClient();
        var email = TestUsers.NewEmail("unique");

        using var response = await FormClient.RegisterAsync(client, email, "aaaaaaaaaaaa");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("different characters", PageText.FormError(await response.Content.ReadAsStringAsync()) ?? "", StringComparison.Ordinal);
        Assert.Equal(0, await CountUsersAsync(email));
    }

    private HttpClient NewClient() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private async Task<int> CountUsersAsync(string email)
    {
        await using var db = await _app.CreateDbContextAsync();
        var normalized = email.ToUpperInvariant();
        return await db.Users.CountAsync(u => u.NormalizedEmail == normalized);
    }
}
