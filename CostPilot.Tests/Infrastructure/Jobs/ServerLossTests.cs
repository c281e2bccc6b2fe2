using System.Diagnostics;
using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Xunit.Abstractions;

namespace CostPilot.Tests.Infrastructure.Jobs;

/// <summary>
/// The server running a discovery goes away mid-scan, for real: the published app is started as its own process, takes the
/// job, and is killed with SIGKILL (a crash, an out-of-memory kill, a forced redeploy) or stopped with SIGTERM (docker stop).
/// Another node then comes up on the same database, as the restarted process would, and must finish the scan by itself with
/// exactly the rows a clean scan leaves. A first node without a job server owns the database and the fake AWS.
/// </summary>
[Collection(PublishedAppTestGroup.Name)]
public sealed class ServerLossTests(PublishedApp published, ITestOutputHelper output)
{
    private static readonly TimeSpan CaughtMidScan = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Discovery_ServerKilledMidScan_NextServerShowsItInterruptedAndResumesItWithExactRows()
    {
        var web = await ResumeDiscoveryTests.FirstNodeAsync(jobServer: false);
        var dataDirectory = Directory.CreateTempSubdirectory("costpilot-node-").FullName;
        try
        {
            var fleet = ResumeFleet.Create(web, "kl");
            var (caller, accountId) = await web.ConnectNewUserAsync(fleet.Customer);
            await web.RunDiscoveryAsync(accountId);
            // Since that scan one instance went and one came: the rescan that gets killed has inserted the new one.
            var leaving = fleet.East.Instances()[11].InstanceId;
            Assert.True(fleet.East.RemoveInstance(leaving));
            fleet.East.AddInstances([new FakeInstance("i-0klarrived00001")]);
            fleet.HoldEastVolumes(web.Fake, TimeSpan.FromMinutes(10));
            var requestsBefore = web.Fake.Requests.Count;

            // The job connecting enqueued is still waiting: the published node takes it as its rescan.
            using (var doomed = published.Start(NodeEnvironment(web, dataDirectory)))
            {
                await fleet.WaitUntilCaughtMidScanAsync(web, accountId, requestsBefore, ResumeFleet.EastInstances + ResumeFleet.WestInstances + 1,
                    CaughtMidScan, () => AssertRunning(doomed));
                doomed.KillAbruptly();
                Assert.True(await doomed.WaitForExitAsync(TimeSpan.FromSeconds(30)), "The killed node did not exit.");
            }
            var clock = Stopwatch.StartNew();
            // What the issue found: "discovering", and nothing running any more (PostgreSQL ended the dead node's lease).
            Assert.Equal(AccountStatus.Discovering, await ResumeFleet.StatusAsync(web, accountId));
            await Eventually.WaitForAsync(() => ResumeFleet.LeaseHeldAsync(web, accountId), held => !held, TimeSpan.FromSeconds(30), "the dead node's lease to end");
            using var events = new AccountEventLog(web.Services, caller.UserId);

            // The job started only seconds before the kill; a start grace of zero lets this node's start-up reconciliation
            // tell at once that it is not merely starting (with the default 30 s, the minutely health monitor would).
            var node = await ResumeDiscoveryTests.StartNodeAsync(web, ("CostPilot:Jobs:StartGrace", "00:00:00"));
            try
            {
                var shown = await Eventually.WaitForAsync(() => ResumeFleet.StatusAsync(web, accountId), s => s != AccountStatus.Discovering,
                    TimeSpan.FromSeconds(30), "the account to leave \"discovering\"");
                output.WriteLine($"SIGKILL → shown {shown} after {clock.Elapsed.TotalSeconds:0.0} s");
                await ResumeFleet.WaitForStatusAsync(web, accountId, AccountStatus.Active, TimeSpan.FromSeconds(150));
                output.WriteLine($"SIGKILL → active again after {clock.Elapsed.TotalSeconds:0.0} s");

                await Eventually.WaitForAsync(() => Task.FromResult(events.Statuses(accountId)), s => s.Count > 0 && s[^1] == AccountStatus.Active,
                    TimeSpan.FromSeconds(15), "the final event");
                Assert.Equal([AccountStatus.Interrupted, AccountStatus.Discovering, AccountStatus.Active], events.Statuses(accountId));
                await fleet.AssertExactRowsAsync(web, accountId, gone: leaving);
                // The very job the dead node had taken, handed out again once its claim lapsed: nothing enqueued twice.
                await ResumeFleet.WaitForJobsAsync(web, accountId, "Succeeded");
            }
            finally
            {
                await ((IAsyncLifetime)node).DisposeAsync();
            }
        }
        finally
        {
            await ((IAsyncLifetime)web).DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Discovery_ServerStoppedGracefullyMidScan_AccountInterruptedNotStuckAndNextServerResumesIt()
    {
        var web = await ResumeDiscoveryTests.FirstNodeAsync(jobServer: false);
        var dataDirectory = Directory.CreateTempSubdirectory("costpilot-node-").FullName;
        try
        {
            var fleet = ResumeFleet.Create(web, "st");
            fleet.HoldEastVolumes(web.Fake, TimeSpan.FromMinutes(10));
            var (caller, accountId) = await web.ConnectNewUserAsync(fleet.Customer);
            using var events = new AccountEventLog(web.Services, caller.UserId);

            // The first discovery, on the published node, is caught mid-scan and the node is sent SIGTERM.
            using (var stopping = published.Start(NodeEnvironment(web, dataDirectory)))
            {
                await fleet.WaitUntilCaughtMidScanAsync(web, accountId, 0, ResumeFleet.EastInstances + ResumeFleet.WestInstances,
                    CaughtMidScan, () => AssertRunning(stopping));
                var stop = Stopwatch.StartNew();
                stopping.Terminate();
                Assert.True(await stopping.WaitForExitAsync(TimeSpan.FromSeconds(30)), "The node did not stop within 30 s of SIGTERM.");
                output.WriteLine($"SIGTERM → exited in {stop.Elapsed.TotalSeconds:0.0} s (exit code {stopping.ExitCode})");
                Assert.True(stopping.ExitCode == 0, $"Exit code {stopping.ExitCode}.\n{stopping.Error}");
            }

            // Not stuck: the stopping node said why, let go of the account and put the job back in the queue.
            Assert.Equal(AccountStatus.Interrupted, await ResumeFleet.StatusAsync(web, accountId));
            var message = (await web.QueryAsync("SELECT status_message FROM accounts WHERE id = @id", r => r.GetString(0), ("id", accountId))).Single();
            Assert.Equal(DiscoveryWork.MessageFor(Interruption.Shutdown), message);
            Assert.False(await ResumeFleet.LeaseHeldAsync(web, accountId));
            var job = Assert.Single(await ResumeFleet.DiscoveryJobsAsync(web, accountId));
            var waiting = await web.QueryAsync("SELECT fetchedat IS NULL FROM hangfire.jobqueue WHERE jobid = @id", r => r.GetBoolean(0), ("id", job.Id));
            Assert.Equal([true], waiting);

            var clock = Stopwatch.StartNew();
            var node = await ResumeDiscoveryTests.StartNodeAsync(web);
            try
            {
                await ResumeFleet.WaitForStatusAsync(web, accountId, AccountStatus.Active, TimeSpan.FromSeconds(60));
                output.WriteLine($"Next node start → active after {clock.Elapsed.TotalSeconds:0.0} s");
                await Eventually.WaitForAsync(() => Task.FromResult(events.Statuses(accountId)), s => s.Count > 0 && s[^1] == AccountStatus.Active,
                    TimeSpan.FromSeconds(15), "the final event");
                // (The "connected" event of the connection may have come before the subscription or after it.)
                Assert.Equal([AccountStatus.Discovering, AccountStatus.Interrupted, AccountStatus.Discovering, AccountStatus.Active],
                    events.Statuses(accountId).SkipWhile(s => s == AccountStatus.Connected));
                await fleet.AssertExactRowsAsync(web, accountId);
                await ResumeFleet.WaitForJobsAsync(web, accountId, "Succeeded");
            }
            finally
            {
                await ((IAsyncLifetime)node).DisposeAsync();
            }
        }
        finally
        {
            await ((IAsyncLifetime)web).DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>The published app as a job server on <paramref name="web"/>'s database and fake AWS, started the way the container starts it.</summary>
    private static Dictionary<string, string> NodeEnvironment(FakeAwsAppFactory web, string dataDirectory) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{PublishedApp.FreePort()}",
        ["ConnectionStrings__Default"] = web.ConnectionString,
        ["ENCRYPTION_KEY"] = web.Settings["ENCRYPTION_KEY"]!,
        ["JWT_SECRET_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["CostPilot__DataDirectory"] = dataDirectory,
        ["CostPilot__Aws__ServiceUrl"] = web.Settings["CostPilot:Aws:ServiceUrl"]!,
        ["CostPilot__Aws__AccessKeyId"] = web.Settings["CostPilot:Aws:AccessKeyId"]!,
        ["CostPilot__Aws__SecretAccessKey"] = web.Settings["CostPilot:Aws:SecretAccessKey"]!,
        ["CostPilot__Aws__MaxErrorRetry"] = "2",
        ["CostPilot__Jobs__Workers"] = "2",
        ["CostPilot__Discovery__Schedule"] = "0 0 1 1 *",
    };

    private static void AssertRunning(ChildProcess node)
    {
        if (node.HasExited)
        {
            Assert.Fail($"The node exited with {node.ExitCode} before the scan was caught.\n{node.Error}\n{node.Output}");
        }
    }
}
