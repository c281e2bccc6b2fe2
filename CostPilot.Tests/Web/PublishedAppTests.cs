using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using CostPilot.Tests.Support;
using Npgsql;

namespace CostPilot.Tests.Web;

/// <summary>The published app started as the container starts it: Production, settings from the environment.</summary>
[Collection(PublishedAppTestGroup.Name)]
public sealed class PublishedAppTests
{
    private static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RefusalDeadline = TimeSpan.FromSeconds(30);

    private readonly PublishedApp _published;

    public PublishedAppTests(PublishedApp published) => _published = published;

    [Fact]
    public async Task Start_ProductionOnAnEmptyDatabase_MigratesAndAnswersHealth200()
    {
        var database = await TestPostgres.CreateEmptyDatabaseAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("costpilot-published-").FullName;
        try
        {
            var port = PublishedApp.FreePort();
            using var app = _published.Start(new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["ConnectionStrings__Default"] = TestPostgres.ConnectionStringFor(database),
                ["ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["JWT_SECRET_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["CostPilot__DataDirectory"] = dataDirectory,
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

            var status = await app.WaitUntilHealthyAsync(http, StartupDeadline);

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(await CountMigrationsAsync(database) > 0, "The startup migrations did not run.");
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Theory]
    [InlineData("ENCRYPTION_KEY")]
    [InlineData("JWT_SECRET_KEY")]
    public async Task Start_ProductionWithoutARequiredKey_ExitsNonZeroWithAClearMessage(string missing)
    {
        var port = PublishedApp.FreePort();
        var clock = Stopwatch.StartNew();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            // Never created: the app must refuse before it touches the database.
            ["ConnectionStrings__Default"] = TestPostgres.ConnectionStringFor($"cp_test_never_{Guid.NewGuid():N}"),
            ["ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["JWT_SECRET_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        environment.Remove(missing);
        using var app = _published.Start(environment);

        var exited = await app.WaitForExitAsync(RefusalDeadline);

        Assert.True(exited, $"Still running after {RefusalDeadline.TotalSeconds:0} s without {missing}.\n{app.Output}");
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, RefusalDeadline);
        Assert.NotEqual(0, app.ExitCode);
        Assert.Contains($"{missing} is not set", app.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", app.Error, StringComparison.Ordinal);
    }

    private static async Task<long> CountMigrationsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.ConnectionStringFor(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM ef_migrations_history", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
