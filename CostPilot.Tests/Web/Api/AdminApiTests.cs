using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostPilot.Domain.Health;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Logging;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.States;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Web.Api;

/// <summary>
/// <c>/api/admin</c> as a script sees it: real data through the admin pages' services, their refusals with their messages, field
/// errors for bad queries. 401 and 403 for every endpoint are <see cref="ApiAccessTests"/>'. No job server runs, so a retried job
/// stays enqueued. Every request comes from <see cref="AdminApiAppFactory.ClientAddress"/>, so the audit trail's address is known.
/// </summary>
public sealed partial class AdminApiTests(AdminApiAppFactory app) : IClassFixture<AdminApiAppFactory>
{
    [Fact]
    public async Task Health_Admin_CurrentReportOfEveryComponentWithDetail()
    {
        using var admin = await AdminAsync();

        var health = await ApiClients.JsonAsync(await admin.GetAsync("/api/admin/health"));

        Assert.Matches("^(healthy|degraded|unhealthy)$", health.GetProperty("status").GetString());
        Assert.InRange(health.GetProperty("checkedAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var components = health.GetProperty("components").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(["database", "jobs", "prices", "storage"], components.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("healthy", components["database"].GetProperty("status").GetString());
        Assert.Equal("Reachable.", components["database"].GetProperty("detail").GetString());
        Assert.True(components["database"].GetProperty("durationMs").GetDouble() >= 0);
        // No job server runs in this app: the jobs component says so, in full.
        Assert.Equal("unhealthy", components["jobs"].GetProperty("status").GetString());
        Assert.Contains("job server", components["jobs"].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthHistory_RecordedChecks_BucketsAndTransitionsOfTheRange()
    {
        var marker = $"disk-{Guid.NewGuid():N}";
        await using (var db = await app.CreateDbContextAsync())
        {
            var now = DateTimeOffset.UtcNow;
            db.HealthChecks.Add(new HealthCheckRecord { CheckedAt = now.AddMinutes(-20), Component = "storage", Status = HealthStatus.Healthy, DurationMs = 2, Detail = "ok" });
            db.HealthChecks.Add(new HealthCheckRecord { CheckedAt = now.AddMinutes(-10), Component = "storage", Status = HealthStatus.Unhealthy, DurationMs = 7, Detail = marker });
            await db.SaveChangesAsync();
        }
        using var admin = await AdminAsync();

        var day = await ApiClients.JsonAsync(await admin.GetAsync("/api/admin/health/history?range=24h"));
        var week = await ApiClients.JsonAsync(await admin.GetAsync("/api/admin/health/history?range=7d"));
        var byDefault = await ApiClients.JsonAsync(await admin.GetAsync("/api/admin/health/history"));

        Assert.Equal(("24h", 15), (day.GetProperty("range").GetString(), day.GetProperty("bucketMinutes").GetInt32()));
        Assert.Equal(("7d", 60), (week.GetProperty("range").GetString(), week.GetProperty("bucketMinutes").GetInt32()));
        Assert.Equal("24h", byDefault.GetProperty("range").GetString());
        var storage = day.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("component").GetString() == "storage");
        var recorded = storage.GetProperty("buckets").EnumerateArray().Where(b => b.GetProperty("checks").GetInt32() > 0).ToList();
        Assert.Equal(2, recorded.Sum(b => b.GetProperty("checks").GetInt32()));
        Assert.Contains(recorded, b => b.GetProperty("worst").GetString() == "unhealthy" && b.GetProperty("maxMs").GetDouble() == 7);
        Assert.Equal(day.GetProperty("bucketStarts").GetArrayLength(), storage.GetProperty("buckets").GetArrayLength());
        var change = day.GetProperty("transitions").EnumerateArray().Single(t => t.GetProperty("detail").GetString() == marker);
        Assert.Equal(("storage", "healthy", "unhealthy"),
            (change.GetProperty("component").GetString(), change.GetProperty("from").GetString(), change.GetProperty("to").GetString()));
    }

    [Theory]
    [InlineData("30d")]
    [InlineData("day")]
    public async Task HealthHistory_UnknownRange_400NamingRange(string range)
    {
        using var admin = await AdminAsync();

        var message = await FieldErrorAsync(await admin.GetAsync($"/api/admin/health/history?range={range}"), "range");

        Assert.Equal($"Unknown range '{range}': use 24h or 7d.", message);
    }

    [Fact]
    public async Task Logs_LevelTextAndCorrelationId_FilterNewestFirst()
    {
        var marker = $"marker-{Guid.NewGuid():N}";
        var correlation = Guid.NewGuid().ToString("N");
        await using (var db = await app.CreateDbContextAsync())
        {
            var now = DateTimeOffset.UtcNow;
            db.SystemLogs.AddRange(
                Log(now.AddSeconds(-3), "Information", $"{marker} started", correlation),
                Log(now.AddSeconds(-2), "Warning", $"{marker} slow", correlation),
                Log(now.AddSeconds(-1), "Error", $"{marker} failed", null));
            await db.SaveChangesAsync();
        }
        using var admin = await AdminAsync();

        var warnings = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/logs?level=warning&text={marker}"));
        var ofRequest = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/logs?correlationId={correlation}"));
        var paged = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/logs?text={marker}&skip=1&take=1"));

        Assert.Equal([$"{marker} failed", $"{marker} slow"], Messages(warnings));
        Assert.Equal(2, warnings.GetProperty("total").GetInt32());
        Assert.Equal([$"{marker} slow", $"{marker} started"], Messages(ofRequest));
        Assert.Equal([$"{marker} slow"], Messages(paged));
        Assert.Equal((3, 1, 1), (paged.GetProperty("total").GetInt32(), paged.GetProperty("skip").GetInt32(), paged.GetProperty("take").GetInt32()));

        static List<string> Messages(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("message").GetString()!)];
    }

    [Fact]
    public async Task Logs_UnknownLevel_400NamingLevelWithTheServicesMessage()
    {
        using var admin = await AdminAsync();

        var message = await FieldErrorAsync(await admin.GetAsync("/api/admin/logs?level=loud"), "level");

        Assert.Equal("Unknown log level 'loud'.", message);
    }

    [Fact]
    public async Task Logs_TakeAboveTheServicesCap_PageSaysHowManyItCouldHold()
    {
        using var admin = await AdminAsync();

        var page = await ApiClients.JsonAsync(await admin.GetAsync("/api/admin/logs?take=500"));

        Assert.Equal(SystemLogService.MaxTake, page.GetProperty("take").GetInt32());
        Assert.True(page.GetProperty("items").GetArrayLength() <= SystemLogService.MaxTake);
    }

    [Theory]
    [InlineData("/api/admin/users")]
    [InlineData("/api/admin/accounts")]
    [InlineData("/api/admin/jobs")]
    [InlineData("/api/admin/logs")]
    [InlineData("/api/admin/audit")]
    public async Task EveryList_TakeOrSkipOutOfRange_400NamingTheField(string path)
    {
        using var admin = await AdminAsync();

        Assert.Equal("take must be between 1 and 500.", await FieldErrorAsync(await admin.GetAsync($"{path}?take=501"), "take"));
        Assert.Equal("take must be between 1 and 500.", await FieldErrorAsync(await admin.GetAsync($"{path}?take=0"), "take"));
        Assert.Equal("skip must be 0 or more.", await FieldErrorAsync(await admin.GetAsync($"{path}?skip=-1"), "skip"));
        await ApiClients.JsonAsync(await admin.GetAsync($"{path}?take=500"));
    }

    [Fact]
    public async Task Audit_ActionAndWindow_Filter()
    {
        var (super, _) = await ApiClients.SignedInAsync(app, Roles.SuperAdmin);
        var target = await TestUsers.CreateAsync(app.Services, Roles.Client);
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        using (super)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await super.PostAsync($"/api/admin/users/{target.Id}/lock", null)).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await super.PostAsync($"/api/admin/users/{target.Id}/unlock", null)).StatusCode);
            var from = Uri.EscapeDataString(before.ToString("O"));
            var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddSeconds(5).ToString("O"));

            var locked = await ApiClients.JsonAsync(await super.GetAsync($"/api/admin/audit?action={AuditActions.UserLocked}&text={target.Email}&from={from}&to={to}"));
            var both = await ApiClients.JsonAsync(await super.GetAsync($"/api/admin/audit?text={target.Email}"));
            var earlier = await ApiClients.JsonAsync(await super.GetAsync($"/api/admin/audit?text={target.Email}&to={from}"));

            var entry = Assert.Single(locked.GetProperty("items").EnumerateArray());
            Assert.Equal((AuditActions.UserLocked, "user", target.Id, target.Email), (entry.GetProperty("action").GetString(),
                entry.GetProperty("targetKind").GetString(), entry.GetProperty("targetId").GetString(), entry.GetProperty("targetLabel").GetString()));
            Assert.Equal([AuditActions.UserUnlocked, AuditActions.UserLocked],
                both.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
            Assert.Equal(0, earlier.GetProperty("total").GetInt32());
        }
    }

    [Fact]
    public async Task Audit_BadQuery_400NamingTheFieldWithTheFormsMessage()
    {
        using var admin = await AdminAsync();
        var later = Uri.EscapeDataString("2026-12-01T00:00:00Z");
        var earlier = Uri.EscapeDataString("2026-11-01T00:00:00Z");

        Assert.Equal("The start of the window is after its end.",
            await FieldErrorAsync(await admin.GetAsync($"/api/admin/audit?from={later}&to={earlier}"), "from"));
        Assert.Equal("Unknown action 'admin.nothing'.", await FieldErrorAsync(await admin.GetAsync("/api/admin/audit?action=admin.nothing"), "action"));
        Assert.StartsWith("from is not a date and time", await FieldErrorAsync(await admin.GetAsync("/api/admin/audit?from=yesterday"), "from"),
            StringComparison.Ordinal);
        Assert.StartsWith("to is not a date and time", await FieldErrorAsync(await admin.GetAsync("/api/admin/audit?to=2026-13-45"), "to"),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocument_ListsEveryAdminEndpoint()
    {
        using var anonymous = ApiClients.Anonymous(app);

        var document = await ApiClients.JsonAsync(await anonymous.GetAsync("/api/openapi/v1.json"));

        var paths = document.GetProperty("paths");
        string[] expected =
        [
            "get /api/admin/system", "get /api/admin/health", "get /api/admin/health/history",
            "get /api/admin/users", "post /api/admin/users/{id}/lock", "post /api/admin/users/{id}/unlock", "post /api/admin/users/{id}/disable",
            "post /api/admin/users/{id}/enable", "post /api/admin/users/{id}/sign-out", "put /api/admin/users/{id}/role",
            "get /api/admin/users/{id}/deletion", "delete /api/admin/users/{id}",
            "get /api/admin/accounts", "post /api/admin/accounts/{id}/rescan", "delete /api/admin/accounts/{id}",
            "get /api/admin/jobs", "get /api/admin/jobs/{id}", "post /api/admin/jobs/{id}/retry", "delete /api/admin/jobs/{id}",
            "get /api/admin/logs", "get /api/admin/audit",
        ];
        foreach (var endpoint in expected)
        {
            var (method, path) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the document");
            Assert.True(item.TryGetProperty(method, out var operation), $"{endpoint} is not in the document");
            Assert.True(operation.TryGetProperty("security", out _), $"{endpoint} does not say it needs a token");
        }
        var users = paths.GetProperty("/api/admin/users").GetProperty("get");
        Assert.Contains(users.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "take");
        Assert.True(users.GetProperty("responses").TryGetProperty("400", out _));
    }

    private async Task<HttpClient> AdminAsync() => (await ApiClients.SignedInAsync(app, Roles.Admin)).Client;

    /// <summary>The 400's message for <paramref name="field"/>, asserting it is a validation problem naming that field and only it.</summary>
    private static async Task<string> FieldErrorAsync(HttpResponseMessage response, string field)
    {
        using (response)
        {
            var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
            var errors = problem.GetProperty("errors");
            Assert.Equal([field], errors.EnumerateObject().Select(p => p.Name));
            var message = errors.GetProperty(field)[0].GetString()!;
            Assert.Equal(message, problem.GetProperty("detail").GetString());
            return message;
        }
    }

    private static SystemLog Log(DateTimeOffset at, string level, string message, string? correlationId) => new()
    {
        Timestamp = at,
        Level = level,
        Message = message,
        MessageTemplate = message,
        SourceContext = "CostPilot.Tests",
        CorrelationId = correlationId,
    };

    private async Task<string> StateOfAsync(string jobId)
    {
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetJobData(jobId)!.State;
    }

    /// <summary>A discovery job moved to Failed with a thrown exception, as a worker records it.</summary>
    private string FailedDiscovery(Guid accountId, string message)
    {
        var jobs = app.Services.GetRequiredService<IBackgroundJobClient>();
        var jobId = jobs.Enqueue<DiscoveryJob>(j => j.RunAsync(accountId, "test", CancellationToken.None));
        try
        {
            throw new DiscoveryFailedException(message);
        }
        catch (DiscoveryFailedException thrown)
        {
            Assert.True(jobs.ChangeState(jobId, new FailedState(thrown), EnqueuedState.StateName));
        }
        return jobId;
    }

    private async Task<List<AuditEvent>> AuditOfAsync(string targetId)
    {
        await using var db = await app.CreateDbContextAsync();
        return await db.AuditEvents.AsNoTracking().Where(e => e.TargetId == targetId).OrderBy(e => e.Id).ToListAsync();
    }

    private static Task<HttpResponseMessage> PutRoleAsync(HttpClient client, string userId, string? role) =>
        client.PutAsJsonAsync($"/api/admin/users/{userId}/role", new { role });
}

/// <summary>The app with a fake AWS, every request coming from <see cref="ClientAddress"/> (TestServer has no remote address).</summary>
public sealed class AdminApiAppFactory : FakeAwsAppFactory
{
    public const string ClientAddress = "198.51.100.23";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, FromClientAddress>());
    }

    private sealed class FromClientAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, following) =>
            {
                http.Connection.RemoteIpAddress = IPAddress.Parse(ClientAddress);
                return following(http);
            });
            next(app);
        };
    }
}
