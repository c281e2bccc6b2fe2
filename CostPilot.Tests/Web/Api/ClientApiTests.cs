using System.Globalization;
using System.Net;
using System.Text.Json;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Tests.Web.Api;

/// <summary>
/// <c>/api/client</c> over HTTP with a bearer token, on an inventory whose every figure is known (<see cref="KnownFleet"/>):
/// the values, the filters the CSV links take, paging limits, field errors, and another tenant's ids answering exactly like
/// ids that exist nowhere.
/// </summary>
public sealed class ClientApiTests : IClassFixture<CostPilotAppFactory>
{
    private readonly CostPilotAppFactory _app;

    public ClientApiTests(CostPilotAppFactory app) => _app = app;

    /// <summary>A new client with the known fleet, a rightsize (saves 70.08) and an idle address (saving unknown); plus a stranger's account.</summary>
    private async Task<(HttpClient Client, Guid Account, Guid Strangers)> ClientWithFleetAsync()
    {
        var (client, user) = await ApiClients.SignedInAsync(_app, Roles.Client);
        var db = new CostInventory(_app.ConnectionString);
        var account = await KnownFleet.SeedAsync(db, user.Id, NewAwsId());
        await db.RecommendationAsync(account, "rightsize", "Instance", "i-0000000000000001", "us-east-1", 140.16m, 70.08m, current: "m5.xlarge",
            proposed: "m5.large");
        await db.RecommendationAsync(account, "idle-address", "Address", "eipalloc-0000000000000002", "eu-west-1", null, null, risk: 1,
            current: "203.0.113.11", proposed: "release");
        await db.SnapshotAsync(account, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1), 24_157.02m, 63.00m, 7.30m);
        var strangers = await db.AccountAsync(await db.UserAsync(), "Someone else's", NewAwsId());
        await db.InstanceAsync(strangers, "i-00000000000000ff", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "on-demand");
        return (client, account, strangers);
    }

    private static string NewAwsId() => Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Summary_TotalsOverAccounts_UnknownPricesCountedNotGuessed()
    {
        var (client, account, _) = await ClientWithFleetAsync();
        using var _ = client;

        var summary = await ApiClients.JsonAsync(await client.GetAsync("/api/client/summary"));

        Assert.Equal(1, summary.GetProperty("accounts").GetInt32());
        Assert.Equal(KnownFleet.LiveInstances, summary.GetProperty("instances").GetInt32());
        var cost = summary.GetProperty("monthlyCost");
        Assert.Equal(KnownFleet.Total, cost.GetProperty("totalUsd").GetDecimal());
        Assert.Equal(KnownFleet.Compute, cost.GetProperty("computeUsd").GetDecimal());
        Assert.Equal(KnownFleet.Unknown, cost.GetProperty("unknownCount").GetInt32());
        Assert.Equal(1, cost.GetProperty("unknownInstances").GetInt32());
        var savings = summary.GetProperty("potentialSavings");
        Assert.Equal(70.08m, savings.GetProperty("monthlySaving").GetDecimal());
        Assert.Equal(2, savings.GetProperty("recommendations").GetInt32());
        Assert.Equal(1, savings.GetProperty("unknownSavings").GetInt32());
        var row = Assert.Single(summary.GetProperty("byAccount").EnumerateArray());
        Assert.Equal(account, row.GetProperty("id").GetGuid());
        Assert.Equal("active", row.GetProperty("status").GetString());
        Assert.Equal(KnownFleet.Total, row.GetProperty("monthlyCost").GetProperty("totalUsd").GetDecimal());
        var top = Assert.Single(summary.GetProperty("topRecommendations").EnumerateArray()); // only known savings rank
        Assert.Equal("i-0000000000000001", top.GetProperty("resourceId").GetString());
    }

    [Fact]
    public async Task Summary_NoAccounts_Zeros()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;

        var summary = await ApiClients.JsonAsync(await client.GetAsync("/api/client/summary"));

        Assert.Equal(0, summary.GetProperty("accounts").GetInt32());
        Assert.Equal(0m, summary.GetProperty("monthlyCost").GetProperty("totalUsd").GetDecimal());
        Assert.Empty(summary.GetProperty("byAccount").EnumerateArray());
    }

    [Fact]
    public async Task AccountsAndAccount_OwnOnly_WithCountsAndCosts()
    {
        var (client, account, _) = await ClientWithFleetAsync();
        using var _ = client;

        var list = await ApiClients.JsonAsync(await client.GetAsync("/api/client/accounts"));
        var detail = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}"));

        var only = Assert.Single(list.EnumerateArray());
        Assert.Equal(account, only.GetProperty("id").GetGuid());
        Assert.Equal(KnownFleet.Name, only.GetProperty("name").GetString());
        Assert.Equal(KnownFleet.Total, only.GetProperty("cost").GetProperty("totalUsd").GetDecimal());
        Assert.Equal(account, detail.GetProperty("account").GetProperty("id").GetGuid());
        Assert.Equal(3, detail.GetProperty("volumes").GetInt32());
        Assert.Equal(1, detail.GetProperty("unattachedVolumes").GetInt32());
        Assert.Equal(2, detail.GetProperty("addresses").GetInt32());
        Assert.Equal(1, detail.GetProperty("idleAddresses").GetInt32());
        Assert.Equal(["us-east-1", "eu-west-1", "us-west-2"], detail.GetProperty("regions").EnumerateArray().Select(r => r.GetProperty("region").GetString()));
    }

    [Fact]
    public async Task Instances_SortedByMonthlyCostDescending_PagedWithTotal_ExactMoney_UnknownNull()
    {
        var (client, account, _) = await ClientWithFleetAsync();
        using var _ = client;

        var page = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/instances?sort=MonthlyCost&desc=true&take=2"));
        var last = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/instances?sort=monthlycost&desc=true&skip=5&take=2"));
        var stopped = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/instances?state=stopped"));
        var searched = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/instances?region=eu-west-1&text=search"));

        Assert.Equal(KnownFleet.LiveInstances, page.GetProperty("total").GetInt32());
        Assert.Equal(0, page.GetProperty("skip").GetInt32());
        Assert.Equal(2, page.GetProperty("take").GetInt32());
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["i-0000000000000006", "i-0000000000000002"], items.Select(i => i.GetProperty("instanceId").GetString()));
        Assert.Equal("p4d.24xlarge", items[0].GetProperty("instanceType").GetString());
        Assert.Equal("running", items[0].GetProperty("state").GetString());
        Assert.Equal(32.7726m, items[0].GetProperty("hourlyUsd").GetDecimal());
        Assert.Equal(23_924.00m, items[0].GetProperty("monthlyUsd").GetDecimal());
        Assert.Equal("on_demand", items[0].GetProperty("priceSource").GetString());
        Assert.Equal("ml", items[0].GetProperty("tags").GetProperty("Team").GetString());
        var unknown = Assert.Single(last.GetProperty("items").EnumerateArray()); // unknown prices sort last, and stay null
        Assert.Equal("i-0000000000000005", unknown.GetProperty("instanceId").GetString());
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("monthlyUsd").ValueKind);
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("hourlyUsd").ValueKind);
        Assert.Equal("i-0000000000000004", Assert.Single(stopped.GetProperty("items").EnumerateArray()).GetProperty("instanceId").GetString());
        Assert.Equal("i-0000000000000003", Assert.Single(searched.GetProperty("items").EnumerateArray()).GetProperty("instanceId").GetString());
    }

    [Theory]
    [InlineData("instances?state=asleep", "state", "Unknown state. Use one of: running, stopped, pending, stopping, shutting-down, terminated.")]
    [InlineData("instances?sort=Price", "sort", "Unknown sort. Use one of: Name, InstanceId, Region, InstanceType, State, LaunchTime, HourlyCost, MonthlyCost.")]
    [InlineData("instances?take=501", "take", "take must be between 1 and 500.")]
    [InlineData("instances?take=0", "take", "take must be between 1 and 500.")]
    [InlineData("instances?skip=-1", "skip", "skip must be 0 or more.")]
    [InlineData("volumes?take=501", "take", "take must be between 1 and 500.")]
    [InlineData("addresses?take=501", "take", "take must be between 1 and 500.")]
    [InlineData("recommendations?take=501", "take", "take must be between 1 and 500.")]
    [InlineData("recommendations?kind=cheaper", "kind", "Unknown kind. Use one of: idle, rightsize, graviton, modernize, stopped-long, unattached-volume, gp2-to-gp3, idle-address.")]
    [InlineData("recommendations?kind=idle&risk=extreme", "risk", "Unknown risk. Use one of: low, medium, high.")]
    [InlineData("recommendations?sort=Cost", "sort", "Unknown sort. Use one of: Saving, Kind, Risk, Resource, Region.")]
    public async Task Lists_BadQuery_400NamingTheField(string pathAndQuery, string field, string message)
    {
        var (client, account, _) = await ClientWithFleetAsync();
        using var _ = client;

        using var response = await client.GetAsync($"/api/client/accounts/{account}/{pathAndQuery}");

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(message, problem.GetProperty("detail").GetString());
        Assert.Equal([message], problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task VolumesAndAddresses_IdleFirst_MoneyExact_IdleFilter()
    {
        var (client, account, _) = await ClientWithFleetAsync();
        using var _ = client;

        var volumes = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/volumes"));
        var idleVolumes = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/volumes?idle=true"));
        var addresses = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/addresses?take=1"));

        Assert.Equal(3, volumes.GetProperty("total").GetInt32());
        var first = volumes.GetProperty("items")[0];
        Assert.Equal("vol-0000000000000002", first.GetProperty("volumeId").GetString());
        Assert.Equal(55.00m, first.GetProperty("monthlyUsd").GetDecimal());
        Assert.True(first.GetProperty("isIdle").GetBoolean());
        Assert.Contains(volumes.GetProperty("items").EnumerateArray(), v => v.GetProperty("monthlyUsd").ValueKind == JsonValueKind.Null);
        Assert.Equal(1, idleVolumes.GetProperty("total").GetInt32());
        Assert.Equal(2, addresses.GetProperty("total").GetInt32());
        var idle = Assert.Single(addresses.GetProperty("items").EnumerateArray());
        Assert.Equal("203.0.113.11", idle.GetProperty("publicIp").GetString());
        Assert.Equal(3.65m, idle.GetProperty("monthlyUsd").GetDecimal());
    }

    [Fact]
    public async Task Costs_BreakdownsAddUp_History()
    {
        var (client, account, _) = await ClientWithFleetAsync();
        using var _ = client;

        var costs = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/costs"));

        static Dictionary<string, decimal> Shares(JsonElement list) =>
            list.EnumerateArray().ToDictionary(s => s.GetProperty("label").GetString()!, s => s.GetProperty("monthlyUsd").GetDecimal());
        Assert.Equal(new Dictionary<string, decimal> { ["us-east-1"] = 24_145.89m, ["eu-west-1"] = 81.43m }, Shares(costs.GetProperty("byRegion")));
        Assert.Equal(KnownFleet.Total, Shares(costs.GetProperty("byRegion")).Values.Sum());
        Assert.Equal(new Dictionary<string, decimal> { ["ml"] = 23_924.00m, ["payments"] = 210.24m, ["search"] = 22.78m },
            Shares(costs.GetProperty("byTeam")));
        Assert.Equal(KnownFleet.Compute, Shares(costs.GetProperty("byFamily")).Values.Sum());
        Assert.Equal(24_157.02m, Shares(costs.GetProperty("byEnvironment")).Values.Sum());
        var day = Assert.Single(costs.GetProperty("history").EnumerateArray());
        Assert.Equal(KnownFleet.Total, day.GetProperty("totalUsd").GetDecimal());
    }

    [Fact]
    public async Task Recommendations_SavingFirst_UnknownLast_FilterByKindSlugOrSnakeCase()
    {
        var (client, account, _) = await ClientWithFleetAsync();
        using var _ = client;

        var all = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/recommendations"));
        var slug = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/recommendations?kind=idle-address"));
        var snake = await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{account}/recommendations?kind=idle_address&risk=medium"));

        Assert.Equal(2, all.GetProperty("total").GetInt32());
        var rows = all.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("rightsize", rows[0].GetProperty("kind").GetString());
        Assert.Equal(70.08m, rows[0].GetProperty("monthlySaving").GetDecimal());
        Assert.Equal("idle_address", rows[1].GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("monthlySaving").ValueKind);
        Assert.Equal(1, slug.GetProperty("total").GetInt32());
        Assert.Equal(1, snake.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Rescan_Active202_ScanMakingProgress409WithTheReason()
    {
        var (client, user) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;
        var db = new CostInventory(_app.ConnectionString);
        var active = await db.AccountAsync(user.Id, "Active one", NewAwsId());
        var scanning = await db.AccountAsync(user.Id, "Scanning one", NewAwsId(), status: "Discovering");
        await db.ExecuteAsync("UPDATE accounts SET discovery_progress_at = now() WHERE id = @id", ("id", scanning));

        using var started = await client.PostAsync($"/api/client/accounts/{active}/rescan", null);
        using var refused = await client.PostAsync($"/api/client/accounts/{scanning}/rescan", null);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal($"/api/client/accounts/{active}", started.Headers.Location?.OriginalString);
        var problem = await ApiClients.ProblemAsync(refused, HttpStatusCode.Conflict);
        Assert.StartsWith("A scan of this account is running.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_Own_204ThenGone()
    {
        var (client, account, _) = await ClientWithFleetAsync();
        using var _ = client;

        using var deleted = await client.DeleteAsync($"/api/client/accounts/{account}");
        using var after = await client.GetAsync($"/api/client/accounts/{account}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await ApiClients.ProblemAsync(after, HttpStatusCode.NotFound);
        Assert.Empty((await ApiClients.JsonAsync(await client.GetAsync("/api/client/accounts"))).EnumerateArray());
    }

    [Fact]
    public async Task CsvExports_SameFilesAsThePages_WithTheToken()
    {
        var (client, account, _) = await ClientWithFleetAsync();
        using var _ = client;

        using var instances = await client.GetAsync($"/api/client/accounts/{account}/export/instances.csv?state=stopped");
        using var recommendations = await client.GetAsync($"/api/client/accounts/{account}/export/recommendations.csv?kind=rightsize");
        using var volumes = await client.GetAsync($"/api/client/accounts/{account}/export/volumes.csv?idle=true");
        using var addresses = await client.GetAsync($"/api/client/accounts/{account}/export/addresses.csv");
        using var experiments = await client.GetAsync("/api/client/experiments/export.csv");
        using var badSort = await client.GetAsync($"/api/client/accounts/{account}/export/instances.csv?sort=Price");

        foreach (var csv in (HttpResponseMessage[])[instances, recommendations, volumes, addresses, experiments])
        {
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
        }
        var instanceLines = (await instances.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("instance_id,name,region,instance_type,platform,lifecycle,state,hourly_usd,monthly_usd,price_source", instanceLines[0]);
        Assert.StartsWith("i-0000000000000004,bastion,", Assert.Single(instanceLines[1..]), StringComparison.Ordinal);
        var recommendationLines = (await recommendations.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, recommendationLines.Length);
        Assert.Contains("i-0000000000000001", recommendationLines[1], StringComparison.Ordinal);
        Assert.Equal(2, (await volumes.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length);
        Assert.Equal(3, (await addresses.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length);
        Assert.Equal("Unknown state or sort.", (await ApiClients.ProblemAsync(badSort, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
    }

    public static TheoryData<string, string> AccountEndpoints => new()
    {
        { "GET", "" },
        { "GET", "/costs" },
        { "GET", "/instances" },
        { "GET", "/volumes" },
        { "GET", "/addresses" },
        { "GET", "/recommendations" },
        { "POST", "/rescan" },
        { "DELETE", "" },
        { "GET", "/export/instances.csv" },
        { "GET", "/export/volumes.csv" },
        { "GET", "/export/addresses.csv" },
        { "GET", "/export/recommendations.csv" },
    };

    [Theory]
    [MemberData(nameof(AccountEndpoints))]
    public async Task AnotherTenantsAccount_404ExactlyLikeAnIdThatDoesNotExist(string method, string suffix)
    {
        var (client, _, strangers) = await ClientWithFleetAsync();
        using var _ = client;

        using var theirs = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/client/accounts/{strangers}{suffix}"));
        using var nobodys = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/client/accounts/{Guid.NewGuid()}{suffix}"));

        var theirProblem = await ApiClients.ProblemAsync(theirs, HttpStatusCode.NotFound);
        var nobodysProblem = await ApiClients.ProblemAsync(nobodys, HttpStatusCode.NotFound);
        Assert.Equal(nobodysProblem.GetProperty("title").GetString(), theirProblem.GetProperty("title").GetString());
        Assert.Equal(Detail(nobodysProblem), Detail(theirProblem));
        Assert.Equal(1, await TheirInstancesAsync(strangers)); // nothing of theirs was touched
    }

    [Fact]
    public async Task ExperimentHistory_AnotherTenantsAccount_404LikeNone_BadAccount400()
    {
        var (client, _, strangers) = await ClientWithFleetAsync();
        using var _ = client;

        using var theirs = await client.GetAsync($"/api/client/experiments?account={strangers}");
        using var nobodys = await client.GetAsync($"/api/client/experiments?account={Guid.NewGuid()}");
        using var bad = await client.GetAsync("/api/client/experiments?account=123");

        Assert.Equal(Detail(await ApiClients.ProblemAsync(nobodys, HttpStatusCode.NotFound)),
            Detail(await ApiClients.ProblemAsync(theirs, HttpStatusCode.NotFound)));
        var problem = await ApiClients.ProblemAsync(bad, HttpStatusCode.BadRequest);
        Assert.Equal("account must be an account id (a GUID).", problem.GetProperty("errors").GetProperty("account")[0].GetString());
    }

    private static string? Detail(JsonElement problem) => problem.TryGetProperty("detail", out var detail) ? detail.GetString() : null;

    /// <summary>The stranger's live instances, while their account is still active (a delete or a rescan would have changed that).</summary>
    private async Task<int> TheirInstancesAsync(Guid account)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.Instances.CountAsync(i => i.AccountId == account
            && db.Accounts.Any(a => a.Id == account && a.Status == CostPilot.Domain.Accounts.AccountStatus.Active));
    }
}
