using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace CostPilot.Tests.Support;

/// <summary>
/// The published CostPilot.Web: the folder in COSTPILOT_PUBLISH_DIR, or else a 'dotnet publish' of the
/// binaries this test run was built from into a temp folder. Starts it the way the container does.
/// </summary>
public sealed class PublishedApp : IAsyncLifetime
{
    public const string PublishDirVariable = "COSTPILOT_PUBLISH_DIR";
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(8);

    private string? _ownedDirectory;

    public string Directory { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(PublishDirVariable) is { Length: > 0 } given)
        {
            Directory = Path.GetFullPath(given);
        }
        else
        {
            _ownedDirectory = System.IO.Directory.CreateTempSubdirectory("costpilot-publish-").FullName;
            await PublishAsync(_ownedDirectory);
            Directory = _ownedDirectory;
        }
        Assert.True(File.Exists(Path.Combine(Directory, "CostPilot.Web.dll")), $"No CostPilot.Web.dll in {Directory}.");
    }

    public Task DisposeAsync()
    {
        if (_ownedDirectory is not null)
        {
            try
            {
                System.IO.Directory.Delete(_ownedDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Starts <c>dotnet CostPilot.Web.dll</c> with exactly <paramref name="environment"/> on top of a cleaned-up inherited environment.</summary>
    public ChildProcess Start(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(Directory, "CostPilot.Web.dll"));
        foreach (var key in start.Environment.Keys.ToList())
        {
            // Nothing from the test run's own environment may configure the app behind the test's back.
            if (key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || key.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)
                || key.StartsWith("ENCRYPTION_KEY", StringComparison.Ordinal) || key is "JWT_SECRET_KEY" || key.StartsWith("COSTPILOT_", StringComparison.Ordinal)
                || key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) || key.StartsWith("CostPilot__", StringComparison.OrdinalIgnoreCase)
                || key is "DATABASE_URL")
            {
                start.Environment.Remove(key);
            }
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static async Task PublishAsync(string output)
    {
        var project = Path.Combine(RepositoryRoot(), "CostPilot.Web", "CostPilot.Web.csproj");
        // The test run already built CostPilot.Web in this configuration: publish those very binaries.
        var configuration = typeof(PublishedApp).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var start = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "publish", project, "-c", configuration, "--no-build", "-o", output, "-nodeReuse:false", "-v", "quiet" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var publish = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start."));
        var exited = await publish.WaitForExitAsync(PublishTimeout);
        Assert.True(exited, $"dotnet publish took longer than {PublishTimeout.TotalMinutes:0} minutes.\n{publish.Output}");
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed ({publish.ExitCode}):\n{publish.Output}\n{publish.Error}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CostPilot.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No CostPilot.sln above {AppContext.BaseDirectory}: set {PublishDirVariable} to a published CostPilot.Web.");
    }
}

/// <summary>A started process whose output is collected; dispose kills it and everything it started.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    public ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL, as a crash, an out-of-memory kill or a forced redeploy does: no cleanup of any kind.</summary>
    public void KillAbruptly() => _process.Kill();

    /// <summary>SIGTERM, as <c>docker stop</c> or a redeploy does: the app shuts down gracefully.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start.");
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits until <c>GET /api/health</c> answers 200 (the last status seen); fails at once when the app exits.</summary>
    public Task<HttpStatusCode?> WaitUntilHealthyAsync(HttpClient http, TimeSpan deadline) =>
        Eventually.WaitForAsync(
            async () =>
            {
                if (HasExited)
                {
                    Assert.Fail($"The app exited with {ExitCode} before it was healthy.\n{Error}\n{Output}");
                }
                try
                {
                    using var response = await http.GetAsync("/api/health");
                    return response.StatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return (HttpStatusCode?)null;
                }
            },
            status => status == HttpStatusCode.OK,
            deadline,
            "GET /api/health to answer 200");

    public string Output => Read(_output);

    public string Error => Read(_error);

    /// <summary>True when the process ended within <paramref name="timeout"/> (its output then fully read).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It ended on its own between the check and the kill.
        }
        _process.Dispose();
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (sb)
        {
            sb.AppendLine(line);
        }
    }

    private static string Read(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }
}
