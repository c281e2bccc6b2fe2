using System.Net;
using System.Text.Json;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Pages.Account;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CostPilot.Tests.Web;

/// <summary>
/// Sign-in, registration and health are limited per client address: two of each per hour here. Each test comes from its
/// own addresses (X-Forwarded-For, which the app takes from the test server as from a proxy on the same machine), so
/// tests never share a count.
/// </summary>
public sealed class RateLimitTests(RateLimitTests.App app) : IClassFixture<RateLimitTests.App>
{
    private static int _addresses;

    [Fact]
    public async Task SignIn_ThirdPostFromOneAddress_Refused429WithAFriendlyPageWhileOtherAddressesGoOn()
    {
        var user = await TestUsers.CreateClientAsync(app.Services);
        using var client = NewClient(NewAddress());
        using var other = NewClient(NewAddress());

        using var first = await FormClient.SignInAsync(client, user.Email, "Wrong-Passw0rd-1");
        using var second = await FormClient.SignInAsync(client, user.Email, "Wrong-Passw0rd-2");
        using var third = await FormClient.SignInAsync(client, user.Email, user.Password);
        using var elsewhere = await FormClient.SignInAsync(other, user.Email, user.Password);

        Assert.Equal(Login.FailureMessage, PageText.FormError(await second.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero, "No Retry-After on the refusal.");
        var page = await third.Content.ReadAsStringAsync();
        Assert.Contains("Too many sign-in attempts from your network. Try again within", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/account/login\"", page, StringComparison.Ordinal);
        Assert.False(third.Headers.Contains("Set-Cookie") && third.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("costpilot.auth=", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Redirect, elsewhere.StatusCode);
    }

    [Fact]
    public async Task SignIn_ViewingTheForm_NotCounted()
    {
        var user = await TestUsers.CreateClientAsync(app.Services);
        using var client = NewClient(NewAddress());
        for (var i = 0; i < 5; i++)
        {
            using var page = await client.GetAsync("/account/login");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        using var signIn = await FormClient.SignInAsync(client, user.Email, user.Password);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
    }

    [Fact]
    public async Task Register_ThirdFromOneAddress_Refused429AndNoAccountMade()
    {
        // Three browsers behind one address: registering signs in, so each starts signed out.
        var address = NewAddress();
        using var one = NewClient(address);
        using var two = NewClient(address);
        using var three = NewClient(address);
        var third = TestUsers.NewEmail("third");

        using var first = await FormClient.RegisterAsync(one, TestUsers.NewEmail("first"), TestUsers.Password);
        using var second = await FormClient.RegisterAsync(two, TestUsers.NewEmail("second"), TestUsers.Password);
        using var refused = await FormClient.RegisterAsync(three, third, TestUsers.Password);

        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Too many accounts were created from your network.", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/account/register\"", page, StringComparison.Ordinal);
        await using var db = await app.CreateDbContextAsync();
        Assert.DoesNotContain(db.Users, u => u.Email == third);
    }

    [Fact]
    public async Task GetHealth_ThirdFromOneAddress_Refused429WithProblemDetails()
    {
        using var client = NewClient(NewAddress());

        using var first = await client.GetAsync("/api/health");
        using var second = await client.GetAsync("/api/health");
        using var third = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero, "No Retry-After on the refusal.");
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await third.Content.ReadAsStringAsync());
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.StartsWith("This address sent too many requests. Try again within", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHealth_TwiceWithinCacheFor_AnswersFromOneCheck()
    {
        using var client = NewClient(NewAddress());

        var first = await CheckedAtAsync(client);
        var second = await CheckedAtAsync(client);

        Assert.Equal(first, second);
    }

    private static async Task<string?> CheckedAtAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("checkedAt").GetString();
    }

    /// <summary>An address from TEST-NET-3 no other test uses.</summary>
    private static string NewAddress()
    {
        var n = Interlocked.Increment(ref _addresses);
        return $"203.0.113.{n}";
    }

    private HttpClient NewClient(string address)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    /// <summary>Two sign-ins, two registrations and two health requests per address and hour; health cached for an hour.</summary>
    public sealed class App : CostPilotAppFactory
    {
        public App()
        {
            foreach (var limit in (string[])["SignIn", "Registration", "Health"])
            {
                Settings[$"CostPilot:RateLimits:{limit}:PermitLimit"] = "2";
                Settings[$"CostPilot:RateLimits:{limit}:Window"] = "01:00:00";
            }
            Settings["CostPilot:Health:CacheFor"] = "01:00:00";
        }
    }
}
