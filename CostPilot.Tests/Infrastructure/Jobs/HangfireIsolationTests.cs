using CostPilot.Infrastructure;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CostPilot.Tests.Infrastructure.Jobs;

/// <summary>
/// An app enqueues into its own database and runs jobs with its own services, whatever another app in the same process
/// did to Hangfire's process-wide <see cref="JobStorage.Current"/> and <see cref="JobActivator.Current"/>. The tests
/// run several apps at once; before, a job could land in another app's database, or run (and fail) with the services
/// of an app already stopped.
/// </summary>
public sealed class HangfireIsolationTests
{
    [Fact]
    public async Task StorageAndActivator_AnotherAppSetTheGlobalsMeanwhile_StillThisAppsOwn()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("costpilot-test-").FullName;
        var previous = CurrentOrNull();
        var previousActivator = JobActivator.Current;
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
            builder.Configuration["ConnectionStrings:Default"] = TestPostgres.ConnectionStringFor(database);
            builder.Configuration["CostPilot:DataDirectory"] = dataDirectory;
            builder.Configuration["CostPilot:Jobs:Server"] = "false";
            builder.AddInfrastructure();
            await using var services = builder.Services.BuildServiceProvider();
            services.GetRequiredService<IGlobalConfiguration>(); // Hangfire configured, as when this app starts

            // Another app in the process configures Hangfire.
            JobStorage.Current = new ElsewhereStorage();
            JobActivator.Current = new JobActivator();

            var storage = services.GetRequiredService<JobStorage>();
            Assert.IsType<PostgreSqlStorage>(storage);
            Assert.Contains(database, storage.ToString(), StringComparison.Ordinal);
            Assert.IsType<AspNetCoreJobActivator>(services.GetRequiredService<JobActivator>());
        }
        finally
        {
            JobActivator.Current = previousActivator;
            if (previous is not null)
            {
                JobStorage.Current = previous;
            }
            await TestPostgres.DropDatabaseAsync(database);
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static JobStorage? CurrentOrNull()
    {
        try
        {
            return JobStorage.Current;
        }
        catch (InvalidOperationException)
        {
            return null; // nothing in this process configured Hangfire yet
        }
    }

    private sealed class ElsewhereStorage : JobStorage
    {
        public override IMonitoringApi GetMonitoringApi() => throw new InvalidOperationException("Another app's storage.");

        public override IStorageConnection GetConnection() => throw new InvalidOperationException("Another app's storage.");
    }
}
