using System.Net;
using System.Text.Json;
using CostPilot.Infrastructure.Health;
using CostPilot.Tests.Infrastructure.Health;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Tests.Observability;

/// <summary>
/// The health endpoints on ASP.NET Core's health-check framework, on a node without a job server of its own: the job servers
/// the checks see are the ones a test announces in Hangfire's <c>hangfire.server</c> table.
/// </summary>
public sealed class HealthProbeTests(NoJobServerApp app) : IClassFixture<NoJobServerApp>, IAsyncLifetime
{
    private const string Silent = "worker-9.internal:777:5b0e3c1e-2a44-4b1d-9a0e-3f5a6b7c8d9e";
    private const string Alive = "web-3:12:7d1c6f0a-5b1e-4a9b-8d1f-2e3c4b5a6d7e";

    public Task InitializeAsync() => ExecuteAsync("DELETE FROM hangfire.server");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task HealthLiveAndReady_NoJobServer_LiveAnswers200ReadyAnswers503()
    {
        using var client = app.CreateClient();

        using var live = await client.GetAsync("/health/live");
        using var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HealthReady_JobServerAliveAndMigrationsRun_Answers200()
    {
        await AnnounceAsync(Alive, DateTimeOffset.UtcNow);
        using var client = app.CreateClient();

        using var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        // What ready asks: the database, the job servers and the migrations, not the disk nor the prices.
        var options = app.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value;
        Assert.Equal([HealthService.Database, HealthService.Jobs, CostPilotHealthChecks.Migrations],
            options.Registrations.Where(r => r.Tags.Contains(CostPilotHealthChecks.ReadyTag)).Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetHealth_ComponentsAreTheFrameworksChecks_SameNamesOrderAndStatuses()
    {
        await AnnounceAsync(Alive, DateTimeOffset.UtcNow);
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/api/health");
        var framework = await app.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(r => r.Tags.Contains(CostPilotHealthChecks.ComponentTag));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["status", "version", "checkedAt", "components"], json.RootElement.EnumerateObject().Select(p => p.Name));
        var components = json.RootElement.GetProperty("components").EnumerateArray().ToList();
        Assert.All(components, c => Assert.Equal(["name", "status", "detail", "durationMs"], c.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(framework.Entries.Keys, components.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(framework.Entries.Values.Select(e => e.Status.ToString().ToLowerInvariant()), components.Select(c => c.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task GetHealth_ASilentJobServer_PublicDetailCountsItAdminsSeeItsName()
    {
        await AnnounceAsync(Alive, DateTimeOffset.UtcNow);
        await AnnounceAsync(Silent, DateTimeOffset.UtcNow.AddMinutes(-30));
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/api/health");
        var report = await app.Services.GetRequiredService<HealthService>().CheckAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var jobs = json.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "jobs");
        Assert.Equal("degraded", jobs.GetProperty("status").GetString());
        Assert.Equal("1 of 2 job servers are alive.", jobs.GetProperty("detail").GetString());
        Assert.DoesNotContain("worker-9", json.RootElement.GetRawText(), StringComparison.Ordinal);
        // The monitor (and so the System page) keeps the name.
        var recorded = Assert.Single(report.Components, c => c.Component == HealthService.Jobs);
        Assert.StartsWith("1 of 2 job servers are alive; worker-9.internal:777 last seen 30 min ago", recorded.Detail, StringComparison.Ordinal);
    }

    private async Task AnnounceAsync(string serverId, DateTimeOffset heartbeat)
    {
        using (var connection = app.Services.GetRequiredService<JobStorage>().GetConnection())
        {
            connection.AnnounceServer(serverId, new ServerContext { WorkerCount = 1, Queues = ["default"] });
        }
        await ExecuteAsync("UPDATE hangfire.server SET lastheartbeat = @at WHERE id = @id", ("at", heartbeat.UtcDateTime), ("id", serverId));
    }

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        // The Hangfire schema is created when its storage is first used.
        _ = app.Services.GetRequiredService<JobStorage>();
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }
}
