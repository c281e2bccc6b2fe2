using CostPilot.Infrastructure.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Support;

/// <summary>
/// The real app (real PostgreSQL, Hangfire, Identity) on its own fresh database. Use one per test
/// class (IClassFixture) or create one in a test; dispose drops the database.
/// </summary>
public class CostPilotAppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminEmail = "admin@costpilot.test";
    public const string AdminPassword = "Admin-Passw0rd-Long";

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("costpilot-test-").FullName;

    public string DatabaseName { get; private set; } = "";

    public string ConnectionString => TestPostgres.ConnectionStringFor(DatabaseName);

    /// <summary>Extra settings a test wants (applied before the app reads its configuration).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>Set to run this app on another factory's database (a second node). That factory drops it.</summary>
    public string? SharedDatabase { get; init; }

    public virtual async Task InitializeAsync() => DatabaseName = SharedDatabase ?? await TestPostgres.CreateDatabaseAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:Default", ConnectionString);
        builder.UseSetting("DATABASE_URL", "");
        builder.UseSetting("CostPilot:DataDirectory", _dataDirectory);
        builder.UseSetting("COSTPILOT_ADMIN_EMAIL", AdminEmail);
        builder.UseSetting("COSTPILOT_ADMIN_PASSWORD", AdminPassword);
        builder.UseSetting("CostPilot:Jobs:Workers", "2");
        // Tests sign in, register, connect and ask for health far more often than people do, all from one address: no
        // limit bites, and health is checked afresh, unless a test sets its own (Settings below win).
        foreach (var limit in (string[])["SignIn", "Registration", "Connect", "Rescan", "Health", "Api"])
        {
            builder.UseSetting($"CostPilot:RateLimits:{limit}:PermitLimit", "1000000");
        }
        builder.UseSetting("CostPilot:Health:CacheFor", "00:00:00");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public async Task<CostPilotDbContext> CreateDbContextAsync() =>
        await Services.GetRequiredService<IDbContextFactory<CostPilotDbContext>>().CreateDbContextAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (DatabaseName.Length > 0 && SharedDatabase is null)
        {
            await TestPostgres.DropDatabaseAsync(DatabaseName);
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
