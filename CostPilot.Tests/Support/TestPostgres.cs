using System.Security.Cryptography;
using System.Text;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CostPilot.Tests.Support;

/// <summary>
/// The PostgreSQL server the tests use (COSTPILOT_TEST_PG, an admin connection without a database;
/// './costpilot.sh test' starts one). Each test database is a copy of a migrated template, so every
/// test class gets a fresh, fully migrated database in about 100 ms.
/// </summary>
public static class TestPostgres
{
    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static string? _templateName;

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("COSTPILOT_TEST_PG") is { Length: > 0 } cs
            ? cs
            : "Host=127.0.0.1;Port=5544;Username=postgres";

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true }.ConnectionString;

    /// <summary>Creates a new migrated database and returns its name.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var template = await EnsureTemplateAsync();
        var name = $"cp_test_{Guid.NewGuid():N}";
        await ExecuteAdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        return name;
    }

    /// <summary>Creates an empty database (no schema at all).</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = $"cp_test_{Guid.NewGuid():N}";
        await ExecuteAdminAsync($"CREATE DATABASE \"{name}\"");
        return name;
    }

    public static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    public static async Task ExecuteAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> EnsureTemplateAsync()
    {
        if (_templateName is not null)
        {
            return _templateName;
        }
        await TemplateLock.WaitAsync();
        try
        {
            if (_templateName is not null)
            {
                return _templateName;
            }
            // Named after the migrations it holds, so runs share it and nothing needs dropping at exit;
            // a new migration means a new template. An advisory lock keeps concurrent runs from racing.
            var options = new DbContextOptionsBuilder<CostPilotDbContext>();
            string name;
            await using (var probe = new CostPilotDbContext(Configure(options, "Host=unused").Options))
            {
                var ids = string.Join(",", probe.Database.GetMigrations());
                name = "cp_template_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ids)))[..16];
            }
            await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
            await admin.OpenAsync();
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(774411)", admin))
            {
                await lockCommand.ExecuteNonQueryAsync();
            }
            await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", admin))
            {
                exists.Parameters.AddWithValue("name", name);
                if (await exists.ExecuteScalarAsync() is null)
                {
                    // Built under a temporary name and renamed when complete: a crash never leaves a half-made template.
                    var building = name + "_building";
                    await ExecuteAdminAsync($"DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)");
                    await ExecuteAdminAsync($"CREATE DATABASE \"{building}\"");
                    await using (var db = new CostPilotDbContext(Configure(new DbContextOptionsBuilder<CostPilotDbContext>(),
                        new NpgsqlConnectionStringBuilder(ConnectionStringFor(building)) { Pooling = false }.ConnectionString).Options))
                    {
                        await db.Database.MigrateAsync();
                    }
                    await ExecuteAdminAsync($"ALTER DATABASE \"{building}\" RENAME TO \"{name}\"");
                }
            }
            _templateName = name;
            return name;
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    private static DbContextOptionsBuilder<CostPilotDbContext> Configure(DbContextOptionsBuilder<CostPilotDbContext> options, string connectionString)
    {
        DesignTimeDbContextFactory.Configure(options, connectionString);
        return options;
    }
}
