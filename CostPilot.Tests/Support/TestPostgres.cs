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
            // One template per test run: a run never sees another run's schema.
            var name = $"cp_template_{Environment.ProcessId}_{Guid.NewGuid():N}"[..48];
            await ExecuteAdminAsync($"CREATE DATABASE \"{name}\"");
            var options = new DbContextOptionsBuilder<CostPilotDbContext>();
            DesignTimeDbContextFactory.Configure(options, new NpgsqlConnectionStringBuilder(ConnectionStringFor(name)) { Pooling = false }.ConnectionString);
            await using (var db = new CostPilotDbContext(options.Options))
            {
                await db.Database.MigrateAsync();
            }
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    ExecuteAdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").GetAwaiter().GetResult();
                }
                catch (NpgsqlException)
                {
                    // The server may already be gone at exit; the next run uses a new name anyway.
                }
            };
            _templateName = name;
            return name;
        }
        finally
        {
            TemplateLock.Release();
        }
    }
}
