using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using CostPilot.Tests.Support;
using Xunit.Abstractions;

namespace CostPilot.Tests.Scripts;

/// <summary>
/// The README's REST API walkthrough, as the script <c>scripts/api-walkthrough.sh</c> (curl and jq only), against the
/// published app started as the container starts it (Production, its own job server, an empty database): a client signs
/// in, connects the sample account, waits for discovery, reads instances, costs and recommendations and applies one; the
/// first super admin then reads health, accounts, jobs and logs.
/// </summary>
[Collection(PublishedAppTestGroup.Name)]
[UnsupportedOSPlatform("windows")] // a bash script
public sealed class ApiWalkthroughTests(PublishedApp published, ITestOutputHelper output)
{
    private static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ScriptDeadline = TimeSpan.FromMinutes(6);
    private const string AdminEmail = "walkthrough-admin@costpilot.test";
    private const string AdminPassword = "Walkthrough-Admin-Passw0rd";

    [Fact]
    public async Task Walkthrough_PublishedAppWithTheSampleAccount_RunsToTheEnd()
    {
        var database = await TestPostgres.CreateEmptyDatabaseAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("costpilot-walkthrough-").FullName;
        try
        {
            var port = PublishedApp.FreePort();
            var baseUrl = $"http://127.0.0.1:{port}";
            using var app = published.Start(new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = baseUrl,
                ["ConnectionStrings__Default"] = TestPostgres.ConnectionStringFor(database),
                ["ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["JWT_SECRET_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["CostPilot__DataDirectory"] = dataDirectory,
                ["COSTPILOT_ADMIN_EMAIL"] = AdminEmail,
                ["COSTPILOT_ADMIN_PASSWORD"] = AdminPassword,
                // Tests never reach AWS: the sample account needs none, and nothing may probe instance metadata.
                ["AWS_EC2_METADATA_DISABLED"] = "true",
            });
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
            await app.WaitUntilHealthyAsync(http, StartupDeadline);
            // A newcomer registers in the browser, then scripts the rest.
            var email = TestUsers.NewEmail("walkthrough");
            using (var registered = await FormClient.RegisterAsync(http, email, TestUsers.Password))
            {
                Assert.True(registered.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.OK, $"Registration: {registered.StatusCode}");
            }

            using var script = Run(new Dictionary<string, string>
            {
                ["BASE_URL"] = baseUrl,
                ["EMAIL"] = email,
                ["PASSWORD"] = TestUsers.Password,
                ["ADMIN_EMAIL"] = AdminEmail,
                ["ADMIN_PASSWORD"] = AdminPassword,
                ["DEADLINE_SECONDS"] = "240",
            });
            var clock = Stopwatch.StartNew();
            var exited = await script.WaitForExitAsync(ScriptDeadline);
            output.WriteLine($"The walkthrough took {clock.Elapsed.TotalSeconds:0.0} s:\n{script.Output}");

            var printed = $"{script.Output}\n{script.Error}\n--- app ---\n{app.Error}";
            Assert.True(exited, $"The walkthrough did not end within {ScriptDeadline.TotalMinutes:0} minutes:\n{printed}");
            Assert.True(script.ExitCode == 0, $"The walkthrough exited with {script.ExitCode}:\n{printed}");
            Assert.Contains("Connected the sample account", script.Output, StringComparison.Ordinal);
            Assert.Matches(@"Discovery done: [1-9]\d* instances", script.Output);
            Assert.Contains("Most expensive of", script.Output, StringComparison.Ordinal);
            Assert.Matches(@"Experiment ended (succeeded|rolled_back)", script.Output);
            Assert.Contains($"Signed in as admin {AdminEmail}.", script.Output, StringComparison.Ordinal);
            Assert.Matches(@"Health: (healthy|degraded)", script.Output);
            Assert.EndsWith("Done.", script.Output.TrimEnd(), StringComparison.Ordinal);
            Assert.DoesNotContain(TestUsers.Password, script.Output, StringComparison.Ordinal);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static ChildProcess Run(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepositoryPaths.Root,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "scripts", "api-walkthrough.sh"));
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException("bash did not start."));
    }
}
