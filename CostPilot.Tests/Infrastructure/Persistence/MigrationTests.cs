using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Persistence;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrate_EmptyDatabase_CreatesTheDocumentedTables()
    {
        var name = await TestPostgres.CreateEmptyDatabaseAsync();
        try
        {
            var options = new DbContextOptionsBuilder<CostPilotDbContext>();
            DesignTimeDbContextFactory.Configure(options, TestPostgres.ConnectionStringFor(name));
            await using (var db = new CostPilotDbContext(options.Options))
            {
                await db.Database.MigrateAsync();
                Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            }

            await using var connection = new NpgsqlConnection(TestPostgres.ConnectionStringFor(name));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", connection);
            var tables = new HashSet<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }
            foreach (var expected in new[] { "users", "roles", "user_roles", "accounts", "instances", "experiment_logs", "downtime_logs", "system_logs", "health_checks", "data_protection_keys" })
            {
                Assert.Contains(expected, tables);
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(name);
        }
    }
}
