using System.Net;
using System.Text;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;
using CostPilot.Web.Api;

namespace CostPilot.Tests.Web.Api;

/// <summary>The API's body cap over a real socket (Kestrel enforces it), and the rate limit each token has on its own.</summary>
public sealed class ApiLimitsTests : IClassFixture<ApiLimitsTests.App>
{
    private readonly App _app;

    public ApiLimitsTests(App app) => _app = app;

    [Fact]
    public async Task Post_BodyOverTheCap_413BeforeItIsRead()
    {
        using var http = new HttpClient { BaseAddress = _app.BaseAddress };
        var json = "{\"email\":\"a@b.c\",\"password\":\"" + new string('x', (int)ApiEndpoints.MaxBodyBytes) + "\"}";

        using var response = await http.PostAsync("/api/auth/login", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Get_OverTheTokensLimit_429WithRetryAfter_AnotherTokenStillServed()
    {
        var (first, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        var (second, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using (first)
        using (second)
        {
            for (var i = 0; i < Limit; i++)
            {
                using var allowed = await first.GetAsync("/api/client/accounts");
                Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            }

            using var refused = await first.GetAsync("/api/client/accounts");
            using var other = await second.GetAsync("/api/client/accounts");

            var problem = await ApiClients.ProblemAsync(refused, HttpStatusCode.TooManyRequests);
            Assert.Contains("This token sent too many requests", problem.GetProperty("detail").GetString());
            Assert.True(refused.Headers.RetryAfter is not null);
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }
    }

    private const int Limit = 3;

    public sealed class App : KestrelAppFactory
    {
        public App() => Settings["CostPilot:RateLimits:Api:PermitLimit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
