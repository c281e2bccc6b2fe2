using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;

namespace CostPilot.Tests.Web.Api;

/// <summary>
/// Applying a recommendation through the API as a script would: the sample account connected, discovered and evaluated by the
/// app's own job server, the budget check the dialog shows, the experiment followed to its end, and the history.
/// </summary>
public sealed class ClientExperimentsApiTests : IClassFixture<ClientExperimentsApiTests.App>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);
    private readonly App _app;

    public ClientExperimentsApiTests(App app) => _app = app;

    [Fact]
    public async Task SampleAccount_ApplyRightsize_BudgetNeedsConsent_FollowedToSucceeded_InHistory()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        var (stranger, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;
        using var __ = stranger;

        using var connected = await client.PostAsync("/api/onboarding/sample", null);
        var account = (await ApiClients.JsonAsync(connected, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await Eventually.WaitForAsync(async () => (await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}")))
                .GetProperty("account").GetProperty("status").GetString(),
            s => s is "active" or "error", Deadline, "the sample account's discovery");
        var recommendations = await Eventually.WaitForAsync(
            async () => await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/recommendations?kind=rightsize&take=1")),
            page => page.GetProperty("total").GetInt32() > 0, Deadline, "a rightsize recommendation");
        var recommendation = recommendations.GetProperty("items")[0];
        var recommendationId = recommendation.GetProperty("id").GetInt64();
        var instanceId = recommendation.GetProperty("resourceId").GetString()!;

        // The expected downtime (a day, set below) exceeds the month's budget: the dialog's "Apply anyway" is a flag here.
        using var refused = await client.PostAsJsonAsync("/api/client/experiments", new { recommendationId });
        using var theirs = await stranger.PostAsJsonAsync("/api/client/experiments", new { recommendationId, acceptBudgetOverrun = true });
        using var applied = await client.PostAsJsonAsync("/api/client/experiments", new { recommendationId, acceptBudgetOverrun = true });

        var budget = await ApiClients.ProblemAsync(refused, HttpStatusCode.Conflict);
        Assert.StartsWith($"This would take {instanceId} over this month's downtime budget", budget.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"acceptBudgetOverrun\": true", budget.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ApiClients.ProblemAsync(theirs, HttpStatusCode.NotFound);
        var started = await ApiClients.JsonAsync(applied, HttpStatusCode.Accepted);
        var experimentId = started.GetProperty("id").GetGuid();
        Assert.Equal($"/api/client/experiments/{experimentId}", applied.Headers.Location?.OriginalString);
        Assert.Equal(instanceId, started.GetProperty("instanceId").GetString());
        Assert.Equal(account, started.GetProperty("accountId").GetGuid());
        Assert.Equal("rightsize", started.GetProperty("kind").GetString());
        Assert.False(started.GetProperty("finished").GetBoolean());
        Assert.Equal(86_400d, started.GetProperty("expectedDowntimeSeconds").GetDouble());
        Assert.Equal(recommendation.GetProperty("monthlyCostBefore").GetDecimal(), started.GetProperty("monthlyCostBefore").GetDecimal());

        // A second apply while the first is under way is the service's conflict.
        using var twice = await client.PostAsJsonAsync("/api/client/experiments", new { recommendationId, acceptBudgetOverrun = true });
        await ApiClients.ProblemAsync(twice, HttpStatusCode.Conflict);

        var done = await Eventually.WaitForAsync(async () => await ApiClients.JsonAsync(await client.GetAsync(applied.Headers.Location)),
            e => e.GetProperty("finished").GetBoolean(), Deadline, "the experiment to finish");
        Assert.True(done.GetProperty("state").GetString() == "succeeded", done.GetRawText());
        Assert.Equal(recommendation.GetProperty("proposed").GetString(), done.GetProperty("toType").GetString());
        Assert.Contains(done.GetProperty("steps").EnumerateArray(), s => s.GetProperty("state").GetString() == "modifying");
        Assert.Equal(recommendation.GetProperty("monthlySaving").GetDecimal(), done.GetProperty("realizedMonthlySaving").GetDecimal());

        var history = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/experiments?account={account}&state=succeeded"));
        var none = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/experiments?account={account}&state=rolled_back"));
        Assert.Equal(1, history.GetProperty("total").GetInt32());
        Assert.Equal(experimentId, history.GetProperty("items")[0].GetProperty("id").GetGuid());
        Assert.Equal(0, none.GetProperty("total").GetInt32());
        using var csv = await client.GetAsync("/api/client/experiments/export.csv?state=succeeded");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Contains(instanceId, await csv.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Someone else's experiment answers like one that does not exist, and is not in their history.
        var theirProblem = await ApiClients.ProblemAsync(await stranger.GetAsync(applied.Headers.Location), HttpStatusCode.NotFound);
        var nobodys = await ApiClients.ProblemAsync(await client.GetAsync($"/api/client/experiments/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        Assert.Equal(nobodys.GetProperty("detail").GetString(), theirProblem.GetProperty("detail").GetString());
        Assert.Equal(0, (await ApiClients.JsonAsync(await stranger.GetAsync("/api/client/experiments"))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Apply_NoRecommendationId_400OnTheField()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;

        using var response = await client.PostAsJsonAsync("/api/client/experiments", new { acceptBudgetOverrun = true });

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("Give the id of the recommendation to apply.", problem.GetProperty("errors").GetProperty("recommendationId")[0].GetString());
    }

    [Fact]
    public async Task Apply_RecommendationCostPilotDoesNotApply_400_UnknownId404()
    {
        var (client, user) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;
        var db = new CostInventory(_app.ConnectionString);
        var account = await db.AccountAsync(user.Id, "Seeded", Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture));
        await db.RecommendationAsync(account, "idle-address", "Address", "eipalloc-0000000000000009", "us-east-1", 3.65m, 0m);
        var id = (await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/recommendations"))).GetProperty("items")[0]
            .GetProperty("id").GetInt64();

        using var response = await client.PostAsJsonAsync("/api/client/experiments", new { recommendationId = id });
        using var unknown = await client.PostAsJsonAsync("/api/client/experiments", new { recommendationId = long.MaxValue });

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("CostPilot applies only instance recommendations", problem.GetProperty("errors").GetProperty("recommendationId")[0].GetString(),
            StringComparison.Ordinal);
        await ApiClients.ProblemAsync(unknown, HttpStatusCode.NotFound);
        Assert.Equal(0, (await ApiClients.JsonAsync(await client.GetAsync("/api/client/experiments"))).GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("state=done", "state")]
    [InlineData("take=501", "take")]
    [InlineData("skip=-5", "skip")]
    public async Task History_BadQuery_400NamingTheField(string query, string field)
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;

        using var response = await client.GetAsync($"/api/client/experiments?{query}");

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(problem.GetProperty("detail").GetString(), problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    /// <summary>The sample account's simulated EC2 acts within seconds and never fails; a resize is expected to take a day (over any budget).</summary>
    public sealed class App : CostPilotAppFactory
    {
        public App()
        {
            Settings["CostPilot:Sandbox:PageDelayMs"] = "0";
            Settings["CostPilot:Sandbox:Actions:StopDelay"] = "00:00:01";
            Settings["CostPilot:Sandbox:Actions:StartDelay"] = "00:00:01";
            Settings["CostPilot:Sandbox:Actions:StatusCheckDelay"] = "00:00:01";
            Settings["CostPilot:Sandbox:Actions:FailureRate"] = "0";
            Settings["CostPilot:Experiments:PollInterval"] = "00:00:00.300";
            Settings["CostPilot:Experiments:DefaultExpectedDowntime"] = "1.00:00:00";
            Settings["CostPilot:Utilization:MinInterval"] = "00:00:00";
        }
    }
}
