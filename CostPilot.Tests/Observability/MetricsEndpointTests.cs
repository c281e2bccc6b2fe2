using System.Net;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Tests.Infrastructure.Discovery;
using CostPilot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Observability;

/// <summary><c>/metrics</c>: Prometheus text for administrators, CostPilot's own metrics in it after a discovery of the fake fleet.</summary>
public sealed class MetricsEndpointTests(FakeAwsAppFactory app) : IClassFixture<FakeAwsAppFactory>
{
    [Fact]
    public async Task GetMetrics_AfterADiscovery_AdminReadsTheCostPilotMetrics()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(AwsDiscoveryTests.Instances("mx", 12));
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);
        // An open page of the owner's: the discovery's events are pushed to it.
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var page = app.Services.GetRequiredService<AccountEventHub>().Subscribe(caller.UserId, e =>
        {
            if (e.AccountId == accountId && e.Status == AccountStatus.Active)
            {
                finished.TrySetResult();
            }
            return Task.CompletedTask;
        });

        await app.RunDiscoveryAsync(accountId);
        await finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var admin = SessionCookies.ClientWith(app, await SessionCookies.SignInAsync(app, CostPilotAppFactory.AdminEmail, CostPilotAppFactory.AdminPassword));
        using var response = await admin.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("costpilot_discovery_duration_seconds_count", text, StringComparison.Ordinal);
        Assert.Contains("costpilot_discovery_instances_count", text, StringComparison.Ordinal);
        Assert.Contains("costpilot_prices_catalog_age_seconds", text, StringComparison.Ordinal);
        Assert.Contains("costpilot_push_latency_seconds_count", text, StringComparison.Ordinal);
        // The framework's own: requests, runtime, Npgsql.
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_collections", text, StringComparison.Ordinal);
        Assert.Contains("db_client_", text, StringComparison.Ordinal);
        // Aggregated over accounts: no account id, no e-mail address in any label.
        Assert.DoesNotContain(accountId.ToString(), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@costpilot.test", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetrics_Anonymous_Answers401NotTheSignInPage()
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("costpilot_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetrics_ClientUser_Answers403()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Client);
        using var client = SessionCookies.ClientWith(app, await SessionCookies.SignInAsync(app, user.Email, user.Password));

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("costpilot_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
