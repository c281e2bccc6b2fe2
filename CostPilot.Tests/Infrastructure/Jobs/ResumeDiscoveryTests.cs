using System.Diagnostics;
using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace CostPilot.Tests.Infrastructure.Jobs;

/// <summary>
/// Discovery cut off by a lost database connection, or left "discovering" with nothing running, comes back by itself and
/// ends with exactly the rows a clean scan leaves. Each test owns its app(s) and database: reconciliation looks at every
/// account, and job servers take every job.
/// </summary>
public sealed class ResumeDiscoveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Resumed = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task StartUp_AccountLeftDiscoveringWithNoJob_ShowsInterruptedThenResumesWithExactRows()
    {
        var web = await FirstNodeAsync(jobServer: false);
        try
        {
            var fleet = ResumeFleet.Create(web, "su");
            var (caller, accountId) = await web.ConnectNewUserAsync(fleet.Customer);
            await web.RunDiscoveryAsync(accountId);
            // Since that scan one instance went and one came, so the resumed scan has real work to do.
            var leaving = fleet.East.Instances()[7].InstanceId;
            Assert.True(fleet.East.RemoveInstance(leaving));
            fleet.West.AddInstances([new FakeInstance("i-0suarrived00001")]);
            // What a crash mid-rescan leaves when no job would ever bring it back (its job deleted, expired, or stuck from
            // before this fix): the account "discovering", nobody holding its lease, no job waiting.
            await DeleteDiscoveryJobsAsync(web, accountId);
            await web.ExecuteAsync("UPDATE accounts SET status = 'Discovering' WHERE id = @id", ("id", accountId));
            using var events = new AccountEventLog(web.Services, caller.UserId);
            var clock = Stopwatch.StartNew();

            var node = await StartNodeAsync(web);
            try
            {
                await ResumeFleet.WaitForStatusAsync(web, accountId, AccountStatus.Active, Resumed);
                output.WriteLine($"Second node started → account active again in {clock.Elapsed.TotalSeconds:0.0} s");

                // Shown as interrupted first, by the start-up reconciliation, then resumed and finished.
                try
                {
                    await Eventually.WaitForAsync(() => Task.FromResult(events.Statuses(accountId)), s => s.Count > 0 && s[^1] == AccountStatus.Active,
                        TimeSpan.FromSeconds(15), "the final event");
                }
                finally
                {
                    // Heard in this order (also when the wait gives up): which path marked what, for a run whose order differs.
                    foreach (var e in events.Events.Where(e => e.AccountId == accountId))
                    {
                        output.WriteLine($"{e.At:HH:mm:ss.fff} {e.Status} {e.RegionsDone}/{e.RegionsTotal} {e.StatusMessage}");
                    }
                }
                Assert.Equal([AccountStatus.Interrupted, AccountStatus.Discovering, AccountStatus.Active], events.Statuses(accountId));
                var interrupted = events.Events.First(e => e.AccountId == accountId && e.Status == AccountStatus.Interrupted);
                Assert.Equal(DiscoveryWork.MessageFor(Interruption.ServerLost), interrupted.StatusMessage);
                await fleet.AssertExactRowsAsync(web, accountId, gone: leaving);
                // One job resumed it: the one reconciliation enqueued.
                await ResumeFleet.WaitForJobsAsync(web, accountId, "Deleted", "Succeeded");
            }
            finally
            {
                await ((IAsyncLifetime)node).DisposeAsync();
            }
        }
        finally
        {
            await ((IAsyncLifetime)web).DisposeAsync();
        }
    }

    [Fact]
    public async Task RunAsync_DatabaseConnectionsTerminatedMidScan_RetriedWithBackoffAndCompletesWithExactRows()
    {
        var app = await FirstNodeAsync(jobServer: true);
        try
        {
            var fleet = ResumeFleet.Create(app, "pt");
            fleet.HoldEastVolumes(app.Fake, TimeSpan.FromMinutes(5));
            var (_, accountId) = await app.ConnectNewUserAsync(fleet.Customer);
            await fleet.WaitUntilCaughtMidScanAsync(app, accountId, 0, ResumeFleet.EastInstances + ResumeFleet.WestInstances, TimeSpan.FromSeconds(60));
            var clock = Stopwatch.StartNew();

            // Every connection to this test's database ends, as when PostgreSQL restarts: the job's lease, the pools of
            // EF, Hangfire and the notification listener. The database itself stays up.
            var terminated = await TerminateConnectionsAsync(app.DatabaseName);
            Assert.True(terminated > 0);
            // The test's own queries start afresh too (the app's pools find out the hard way, as they would in production).
            await using (var mine = new NpgsqlConnection(app.ConnectionString))
            {
                NpgsqlConnection.ClearPool(mine);
            }

            await ResumeFleet.WaitForStatusAsync(app, accountId, AccountStatus.Active, Resumed);
            output.WriteLine($"Connections terminated ({terminated}) → account active again in {clock.Elapsed.TotalSeconds:0.0} s");
            await fleet.AssertExactRowsAsync(app, accountId);
            // The same job finished, on a retry Hangfire scheduled after the lost connection.
            var job = Assert.Single(await ResumeFleet.WaitForJobsAsync(app, accountId, "Succeeded"));
            using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
            Assert.True(int.Parse(connection.GetJobParameter(job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "RetryCount") ?? "0",
                System.Globalization.CultureInfo.InvariantCulture) >= 1, "The job was not retried.");
            Assert.False(await ResumeFleet.LeaseHeldAsync(app, accountId));
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }

    /// <summary>The first node: the fake AWS, the database, an encryption key other nodes share; a job server only if asked.</summary>
    internal static async Task<FakeAwsAppFactory> FirstNodeAsync(bool jobServer)
    {
        var settings = JobNode.SharedKeySettings();
        settings["CostPilot:Jobs:Server"] = jobServer ? "true" : "false";
        // The recurring rescan must not fire during a test (the default runs at every sixth hour).
        settings["CostPilot:Discovery:Schedule"] = "0 0 1 1 *";
        var app = new FakeAwsAppFactory();
        foreach (var (key, value) in settings)
        {
            app.Settings[key] = value;
        }
        await app.InitializeAsync();
        return app;
    }

    internal static async Task<JobNode> StartNodeAsync(FakeAwsAppFactory first, params (string Key, string Value)[] settings)
    {
        var node = new JobNode(first, settings);
        try
        {
            await node.InitializeAsync();
            return node;
        }
        catch
        {
            await ((IAsyncLifetime)node).DisposeAsync();
            throw;
        }
    }

    internal static async Task DeleteDiscoveryJobsAsync(FakeAwsAppFactory app, Guid accountId)
    {
        var jobs = app.Services.GetRequiredService<IBackgroundJobClient>();
        foreach (var (id, _) in await ResumeFleet.DiscoveryJobsAsync(app, accountId))
        {
            jobs.Delete(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Ends every session on <paramref name="database"/> but the one asking; returns how many.</summary>
    private static async Task<int> TerminateConnectionsAsync(string database)
    {
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestPostgres.AdminConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @database AND pid <> pg_backend_pid()", admin);
        command.Parameters.AddWithValue("database", database);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }
}
