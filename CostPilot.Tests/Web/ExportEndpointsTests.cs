using System.Globalization;
using System.Net;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CostPilot.Tests.Web;

/// <summary>The CSV downloads over plain HTTP: exact header, invariant numbers, filters, and nobody else's data.</summary>
public sealed class ExportEndpointsTests : IClassFixture<ExportEndpointsTests.App>, IAsyncLifetime
{
    private const string InstancesHeader = "instance_id,name,region,instance_type,platform,lifecycle,state,hourly_usd,monthly_usd,price_source";

    private readonly App _app;
    private HttpClient _client = default!;
    private string _userId = "";
    private Guid _account;
    private Guid _strangers;

    public ExportEndpointsTests(App app) => _app = app;

    public async Task InitializeAsync()
    {
        var user = await TestUsers.CreateAsync(_app.Services, Roles.Client);
        _userId = user.Id;
        var db = new CostInventory(_app.ConnectionString);
        _account = await KnownFleet.SeedAsync(db, user.Id, Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture));
        var stranger = await db.UserAsync();
        _strangers = await db.AccountAsync(stranger, "Someone else's", Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture));
        await db.InstanceAsync(_strangers, "i-00000000000000ff", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "on-demand");
        _client = await _app.SignInAsync(user);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Instances_NoFilter_ExactHeader_InvariantNumbers_UnknownEmpty_RowsSumToCompute()
    {
        // A server thread in a comma-decimal culture must not change a byte of the file.
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        HttpResponseMessage response;
        try
        {
            response = await _client.GetAsync($"/client/accounts/{_account}/export/instances.csv");
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
        using var _ = response;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.Equal("attachment", disposition?.DispositionType);
        Assert.StartsWith("production-payments-search-a-long-account-name-", disposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        Assert.EndsWith("-instances-" + DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".csv", disposition?.FileName?.Trim('"'), StringComparison.Ordinal);

        var (header, rows) = Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(InstancesHeader, header);
        Assert.Equal(KnownFleet.LiveInstances, rows.Count); // the gone instance is not exported
        Assert.Equal(KnownFleet.Compute, rows.Where(r => r[8].Length > 0).Sum(r => decimal.Parse(r[8], CultureInfo.InvariantCulture)));

        var byId = rows.ToDictionary(r => r[0]);
        var training = byId["i-0000000000000006"];
        Assert.Equal(["i-0000000000000006", "'=training", "us-east-1", "p4d.24xlarge", "linux", "on-demand", "running", "32.7726", "23924.00", "on-demand"],
            training); // a name that a spreadsheet would run as a formula is written as text
        Assert.Equal(["0.0312", "22.78", "spot"], byId["i-0000000000000003"][7..]);
        Assert.Equal(["", "", "unknown"], byId["i-0000000000000005"][7..]);
        Assert.Equal(["0", "0.00", "on-demand"], byId["i-0000000000000004"][7..]);
        Assert.Equal(["0.096", "70.08", "on-demand"], byId["i-0000000000000001"][7..]);
    }

    [Fact]
    public async Task Instances_FiltersAndSortOfTheGrid_AreApplied()
    {
        var (_, euWest) = await GetCsvAsync($"/client/accounts/{_account}/export/instances.csv?region=eu-west-1");
        Assert.Equal(["i-0000000000000003", "i-0000000000000004"], euWest.Select(r => r[0]).Order(StringComparer.Ordinal));

        var (_, running) = await GetCsvAsync($"/client/accounts/{_account}/export/instances.csv?state=running&sort=MonthlyCost&desc=true");
        // Most expensive first, unknown last.
        Assert.Equal(["i-0000000000000006", "i-0000000000000002", "i-0000000000000001", "i-0000000000000003", "i-0000000000000005"],
            running.Select(r => r[0]));

        var (_, family) = await GetCsvAsync($"/client/accounts/{_account}/export/instances.csv?type=m5&text=web");
        Assert.Equal(["i-0000000000000001", "i-0000000000000002"], family.Select(r => r[0]));

        var (_, withGone) = await GetCsvAsync($"/client/accounts/{_account}/export/instances.csv?gone=true&sort=InstanceId");
        Assert.Equal(KnownFleet.LiveInstances + 1, withGone.Count);
        Assert.Equal("i-0000000000000007", withGone[^1][0]);

        using var bad = await _client.GetAsync($"/client/accounts/{_account}/export/instances.csv?sort=Price");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task VolumesAndAddresses_IdleFirst_WithTheirCosts()
    {
        var (volumesHeader, volumes) = await GetCsvAsync($"/client/accounts/{_account}/export/volumes.csv");
        Assert.Equal("volume_id,name,region,volume_type,size_gib,iops,throughput_mibps,state,attached_instance_id,idle,monthly_usd", volumesHeader);
        Assert.Equal(["vol-0000000000000002", "vol-0000000000000001", "vol-0000000000000003"], volumes.Select(r => r[0]));
        Assert.Equal(["", "true", "55.00"], volumes[0][8..]);
        Assert.Equal("550", volumes[0][4]);
        Assert.Equal("", volumes[2][10]); // price unknown
        Assert.Equal(KnownFleet.Storage, volumes.Where(r => r[10].Length > 0).Sum(r => decimal.Parse(r[10], CultureInfo.InvariantCulture)));

        var (_, idleVolumes) = await GetCsvAsync($"/client/accounts/{_account}/export/volumes.csv?idle=true");
        Assert.Equal(["vol-0000000000000002"], idleVolumes.Select(r => r[0]));

        var (addressesHeader, addresses) = await GetCsvAsync($"/client/accounts/{_account}/export/addresses.csv");
        Assert.Equal("allocation_id,public_ip,name,region,instance_id,association_id,idle,monthly_usd", addressesHeader);
        Assert.Equal(["eipalloc-0000000000000002", "eipalloc-0000000000000001"], addresses.Select(r => r[0]));
        Assert.Equal(["true", "3.65"], addresses[0][6..]);
        Assert.Equal(KnownFleet.Addresses, addresses.Sum(r => decimal.Parse(r[7], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Recommendations_LargestSavingFirst_ExactHeader_UnknownEmpty_Filtered()
    {
        var db = new CostInventory(_app.ConnectionString);
        await db.RecommendationAsync(_account, "rightsize", "Instance", "i-0000000000000001", "us-east-1", 140.16m, 70.08m, name: "=cmd",
            reason: "p95 CPU 12 % over 14 days; m5.xlarge → m5.large saves $70.08/month");
        await db.RecommendationAsync(_account, "graviton", "Instance", "i-0000000000000002", "us-east-1", 140.16m, 119.72m, risk: 1,
            proposed: "m7g.xlarge");
        await db.RecommendationAsync(_account, "idle-address", "Address", "eipalloc-0000000000000002", "us-east-1", null, null,
            current: "203.0.113.9", proposed: "released");
        await db.RecommendationAsync(_strangers, "idle", "Instance", "i-00000000000000ff", "us-east-1", 70.08m, 0m);

        var (header, rows) = await GetCsvAsync($"/client/accounts/{_account}/export/recommendations.csv");

        Assert.Equal("kind,resource_type,resource_id,name,region,current,proposed,monthly_cost_before_usd,monthly_cost_after_usd,monthly_saving_usd,risk,reason",
            header);
        Assert.Equal(["rightsize", "graviton", "idle-address"], rows.Select(r => r[0]));
        Assert.Equal(["rightsize", "instance", "i-0000000000000001", "'=cmd", "us-east-1", "m5.xlarge", "m5.large", "140.16", "70.08", "70.08", "low",
            "p95 CPU 12 % over 14 days; m5.xlarge → m5.large saves $70.08/month"], rows[0]);
        Assert.Equal(["", "", "", "low"], rows[2][7..11]);

        var (_, medium) = await GetCsvAsync($"/client/accounts/{_account}/export/recommendations.csv?risk=medium");
        Assert.Equal(["graviton"], medium.Select(r => r[0]));
        var (_, addresses) = await GetCsvAsync($"/client/accounts/{_account}/export/recommendations.csv?kind=idle-address");
        Assert.Equal(["eipalloc-0000000000000002"], addresses.Select(r => r[2]));
        using var bad = await _client.GetAsync($"/client/accounts/{_account}/export/recommendations.csv?kind=cheaper");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var theirs = await _client.GetAsync($"/client/accounts/{_strangers}/export/recommendations.csv");
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
    }

    [Theory]
    [InlineData("instances")]
    [InlineData("volumes")]
    [InlineData("addresses")]
    public async Task AnotherUsersAccountOrNone_Is404(string what)
    {
        using var theirs = await _client.GetAsync($"/client/accounts/{_strangers}/export/{what}.csv");
        using var none = await _client.GetAsync($"/client/accounts/{Guid.NewGuid()}/export/{what}.csv");

        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.DoesNotContain("i-00000000000000ff", await theirs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedOut_RedirectsToLogin_AndAdmin_IsTurnedAway()
    {
        using var anonymous = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var path = $"/client/accounts/{_account}/export/instances.csv";

        using var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/account/login?ReturnUrl={Uri.EscapeDataString(path)}", Redirects.LocalTarget(response));

        var admin = await TestUsers.CreateAsync(_app.Services, Roles.Admin);
        using var adminClient = await _app.SignInAsync(admin);
        using var denied = await adminClient.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.Equal("/account/access-denied", Redirects.LocalPath(denied));
    }

    /// <summary>The caller's experiments on two of their accounts, and one on a stranger's; every downtime interval closed.</summary>
    private async Task<(Experiment Succeeded, Experiment RolledBack, Experiment Elsewhere)> ExperimentsAsync()
    {
        var staging = await new CostInventory(_app.ConnectionString).AccountAsync(_userId, "Staging",
            Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture));
        var at = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
        var succeeded = ExperimentRows.Make(_account, "i-0000000000000002", ExperimentState.Succeeded, at, instanceName: "web-2",
            requestedBy: _userId, requestedByName: "client@costpilot.test");
        var rolledBack = ExperimentRows.Make(_account, "i-0000000000000001", ExperimentState.RolledBack, at.AddHours(1), RecommendationKind.Graviton,
            fromType: "m5.large", toType: "m6g.large", before: 70.08m, after: 56.21m, message: "=status checks failed");
        var elsewhere = ExperimentRows.Make(staging, "i-0000000000000009", ExperimentState.Failed, at.AddHours(2), RecommendationKind.Idle,
            fromType: "t3.large", before: 60.74m, after: 0m, message: "denied");
        var theirs = ExperimentRows.Make(_strangers, "i-00000000000000ff", ExperimentState.Succeeded, at.AddHours(3));
        await using var db = await _app.CreateDbContextAsync();
        db.AddRange(succeeded, rolledBack, elsewhere, theirs,
            ExperimentRows.Downtime(succeeded, at.AddSeconds(10), 100), ExperimentRows.Downtime(succeeded, at.AddSeconds(300), 54),
            ExperimentRows.Downtime(rolledBack, at.AddHours(1).AddSeconds(10), 61));
        await db.SaveChangesAsync();
        return (succeeded, rolledBack, elsewhere);
    }

    [Fact]
    public async Task Experiments_TheCallersOnly_NewestFirst_ExactHeaderAndValues()
    {
        var (succeeded, rolledBack, elsewhere) = await ExperimentsAsync();

        using var response = await _client.GetAsync("/client/optimizations/export.csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"costpilot-optimizations-{DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.csv",
            response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var (header, rows) = Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(string.Join(',', InventoryCsv.ExperimentColumns), header);
        Assert.Equal("experiment_id,created_at,completed_at,account,instance_id,name,region,kind,from_type,to_type,state,monthly_cost_before_usd,"
            + "monthly_cost_after_usd,realized_monthly_saving_usd,downtime_seconds,requested_by,message", header);
        Assert.Equal([elsewhere.Id.ToString(), rolledBack.Id.ToString(), succeeded.Id.ToString()], rows.Select(r => r[0]));
        Assert.Equal([succeeded.Id.ToString(), "2026-11-20T09:00:00Z", "2026-11-20T09:00:50Z", KnownFleet.Name, "i-0000000000000002", "web-2", "us-east-1",
            "rightsize", "m5.xlarge", "m5.large", "succeeded", "140.16", "70.08", "70.08", "154", "client@costpilot.test", ""], rows[2]);
        Assert.Equal(["graviton", "m5.large", "m6g.large", "rolled-back", "70.08", "56.21", "", "61"], rows[1][7..15]);
        Assert.Equal("'=status checks failed", rows[1][16]);
        Assert.Equal(["Staging", "idle", "", "failed", "60.74", "0.00", "", "0", "denied"],
            [rows[0][3], rows[0][7], rows[0][9], rows[0][10], rows[0][11], rows[0][12], rows[0][13], rows[0][14], rows[0][16]]);
    }

    [Fact]
    public async Task Experiments_AccountAndStateFilters_AnotherUsersAccountEmpty_BadValues400()
    {
        var (succeeded, rolledBack, elsewhere) = await ExperimentsAsync();

        var (_, prod) = await GetCsvAsync($"/client/optimizations/export.csv?account={_account}");
        var (_, rolled) = await GetCsvAsync("/client/optimizations/export.csv?state=rolled-back");
        var (_, both) = await GetCsvAsync($"/client/optimizations/export.csv?account={_account}&state=succeeded");
        var (_, none) = await GetCsvAsync($"/client/optimizations/export.csv?account={_account}&state=failed");
        var (theirsHeader, theirs) = await GetCsvAsync($"/client/optimizations/export.csv?account={_strangers}");

        Assert.Equal([rolledBack.Id.ToString(), succeeded.Id.ToString()], prod.Select(r => r[0]));
        Assert.Equal([rolledBack.Id.ToString()], rolled.Select(r => r[0]));
        Assert.Equal([succeeded.Id.ToString()], both.Select(r => r[0]));
        Assert.Empty(none);
        Assert.Equal(string.Join(',', InventoryCsv.ExperimentColumns), theirsHeader);
        Assert.Empty(theirs);
        Assert.DoesNotContain(elsewhere.Id.ToString(), string.Concat(prod.Select(r => r[0])), StringComparison.Ordinal);
        foreach (var bad in new[] { "state=done", "state=Succeeded", "account=prod", $"account={_account}x" })
        {
            using var response = await _client.GetAsync($"/client/optimizations/export.csv?{bad}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Experiments_SignedOut_RedirectsToLogin_AndAdmin_IsTurnedAway()
    {
        using var anonymous = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        const string path = "/client/optimizations/export.csv?state=succeeded";

        using var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/account/login?ReturnUrl={Uri.EscapeDataString(path)}", Redirects.LocalTarget(response));
        var admin = await TestUsers.CreateAsync(_app.Services, Roles.Admin);
        using var adminClient = await _app.SignInAsync(admin);
        using var denied = await adminClient.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.Equal("/account/access-denied", Redirects.LocalPath(denied));
    }

    private async Task<(string Header, List<string[]> Rows)> GetCsvAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Splits the file into lines and fields; a quoted field may hold commas and doubled quotes (none of these values holds a line break).</summary>
    private static (string Header, List<string[]> Rows) Parse(string csv)
    {
        Assert.DoesNotContain('\r', csv);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (lines[0], [.. lines.Skip(1).Select(Fields)]);
    }

    private static string[] Fields(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                field.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString());
        return [.. fields];
    }

    /// <summary>The app with a sign-in helper: a client carrying the auth cookie of a given user.</summary>
    public sealed class App : CostPilotAppFactory
    {
        public async Task<HttpClient> SignInAsync(TestUser user)
        {
            using var signIn = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
            using var response = await FormClient.SignInAsync(signIn, user.Email, user.Password);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("costpilot.auth=", StringComparison.Ordinal)).Split(';', 2)[0];
            var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
            client.DefaultRequestHeaders.Add("Cookie", cookie);
            return client;
        }
    }
}
