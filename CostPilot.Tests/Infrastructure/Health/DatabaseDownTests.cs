using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CostPilot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Health;

/// <summary>The app with its database gone. Each test owns its app: nothing else may see the outage.</summary>
public sealed partial class DatabaseDownTests
{
    [Fact]
    public async Task GetHealth_DatabaseUnreachable_Returns503WithDatabaseUnhealthyAndNoSecrets()
    {
        await using var run = await StartedAppAsync();
        var app = run.App;
        using var client = app.CreateClient();

        string body;
        HttpStatusCode status;
        await using (await OfflineDatabase.TakeOfflineAsync(app.DatabaseName))
        {
            using var response = await client.GetAsync("/api/health");
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("unhealthy", json.RootElement.GetProperty("status").GetString());
        var database = json.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "database");
        Assert.Equal("unhealthy", database.GetProperty("status").GetString());
        var settings = new NpgsqlConnectionStringBuilder(app.ConnectionString);
        Assert.DoesNotContain(app.ConnectionString, body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain($"{settings.Host}:{settings.Port}", body, StringComparison.Ordinal);
        Assert.DoesNotContain(app.DatabaseName, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_DatabaseUnreachable_NeitherThrowsNorBlocksRequests()
    {
        await using var run = await StartedAppAsync();
        var app = run.App;
        using var client = app.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        var logger = app.Services.GetRequiredService<ILogger<DatabaseDownTests>>();

        TimeSpan logging, request;
        HttpStatusCode status;
        await using (await OfflineDatabase.TakeOfflineAsync(app.DatabaseName))
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 1_000; i++)
            {
                LogWhileDown(logger, i);
            }
            logging = clock.Elapsed;

            // A 503 health answer logs a failed check and an error-level request line on the way out.
            clock.Restart();
            using var response = await client.GetAsync("/api/health");
            request = clock.Elapsed;
            status = response.StatusCode;
        }

        Assert.InRange(logging, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.InRange(request, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    private static async Task<AppRun> StartedAppAsync()
    {
        var app = new CostPilotAppFactory();
        await app.InitializeAsync();
        var run = new AppRun(app);
        try
        {
            // Start the host and warm it up (data protection keys, pools) while the database is still there.
            using var client = app.CreateClient();
            using var warm = await client.GetAsync("/api/health");
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {Number} while the database is down")]
    private static partial void LogWhileDown(ILogger logger, int number);

    private sealed class AppRun(CostPilotAppFactory app) : IAsyncDisposable
    {
        public CostPilotAppFactory App { get; } = app;

        public async ValueTask DisposeAsync() => await ((IAsyncLifetime)App).DisposeAsync();
    }
}
