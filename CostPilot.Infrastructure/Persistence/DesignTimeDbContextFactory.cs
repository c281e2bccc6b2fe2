using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CostPilot.Infrastructure.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the app.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<CostPilotDbContext>
{
    public CostPilotDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<CostPilotDbContext>();
        Configure(options, "Host=localhost;Database=costpilot_design");
        return new CostPilotDbContext(options.Options);
    }

    internal static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("ef_migrations_history"))
            .UseSnakeCaseNamingConvention();
}
