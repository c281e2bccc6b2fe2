using System.Diagnostics;
using System.Runtime.Versioning;
using CostPilot.Tests.Support;
using Npgsql;

namespace CostPilot.Tests.Scripts;

/// <summary>
/// The private PostgreSQL cluster of <c>costpilot.sh</c>: its hidden <c>db</c> command run from a copy of the
/// script in a temp folder (so the data folder <c>.data</c> is the temp folder's) on a free port. Each test stops
/// the cluster it started and deletes the folder. Needs PostgreSQL's server binaries, as the script does.
/// </summary>
[UnsupportedOSPlatform("windows")] // a bash script, Unix file modes
public sealed class PrivateClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan ScriptDeadline = TimeSpan.FromSeconds(120);
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _root = Directory.CreateTempSubdirectory("costpilot-script-").FullName;
    private readonly int _port = PublishedApp.FreePort();

    private string DataDirectory => Path.Combine(_root, ".data");

    private string PasswordFile => Path.Combine(DataDirectory, "pg-password");

    private string SocketDirectory => Path.Combine(DataDirectory, "pgsock");

    public Task InitializeAsync()
    {
        // As root the cluster belongs to the postgres OS user, which must reach the folder (else the script
        // moves the cluster to /var/tmp); the script's own files are a copy, so the checkout's .data is untouched.
        File.SetUnixFileMode(_root, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        Directory.CreateDirectory(Path.Combine(_root, "scripts"));
        File.Copy(Path.Combine(RepositoryPaths.Root, "costpilot.sh"), Path.Combine(_root, "costpilot.sh"));
        File.Copy(Path.Combine(RepositoryPaths.Root, "scripts", "lib.sh"), Path.Combine(_root, "scripts", "lib.sh"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        try
        {
            using var stop = await RunAsync("bash", "costpilot.sh", "stop-db");
            Assert.True(stop.ExitCode == 0, $"stop-db failed:\n{stop.Error}");
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Db_NewDataFolder_RefusesConnectionsWithoutThePasswordKeptInAPrivateFile()
    {
        var printed = await DbAsync();

        await AssertRefusedWithoutPasswordAsync();
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(PasswordFile));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(SocketDirectory));
        var password = (await File.ReadAllTextAsync(PasswordFile)).Trim();
        Assert.Matches("^[A-Za-z0-9]{20,}$", password);
        Assert.Equal(password, new NpgsqlConnectionStringBuilder(printed).Password);
        Assert.Equal(1, await SelectOneAsync(printed));

        // Again, with the server running: the same password, nothing else changes.
        var again = await DbAsync();

        Assert.Equal(printed, again);
        Assert.Equal(password, (await File.ReadAllTextAsync(PasswordFile)).Trim());
        Assert.Equal(1, await SelectOneAsync(again));
    }

    [Fact]
    public async Task Db_DataFolderOfTheTrustingScriptRunning_SetsAPasswordAndKeepsTheData()
    {
        await DbAsync();
        await MakeItLikeTheOldScriptsAsync();
        using (var trusted = await PsqlAsync("127.0.0.1", "create table kept (id int); insert into kept values (7)"))
        {
            Assert.True(trusted.ExitCode == 0, $"The old cluster did not trust a password-less connection:\n{trusted.Error}");
        }

        var printed = await DbAsync();

        await AssertRefusedWithoutPasswordAsync();
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(PasswordFile));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(SocketDirectory));
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(printed) { Database = "costpilot", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM kept", connection);
        Assert.Equal(7, await command.ExecuteScalarAsync());
    }

    /// <summary>Runs <c>./costpilot.sh db</c> and returns the COSTPILOT_TEST_PG it prints.</summary>
    private async Task<string> DbAsync()
    {
        using var db = await RunAsync("bash", "costpilot.sh", "db");
        Assert.True(db.ExitCode == 0, $"./costpilot.sh db exited with {db.ExitCode}:\n{db.Output}\n{db.Error}");
        Assert.True(File.Exists(Path.Combine(DataDirectory, "pg", "PG_VERSION")), $"The cluster is not in {DataDirectory}:\n{db.Output}");
        const string Prefix = "COSTPILOT_TEST_PG=";
        var line = db.Output.Split('\n').Select(l => l.Trim()).SingleOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"No {Prefix} line in:\n{db.Output}");
        return line[Prefix.Length..];
    }

    /// <summary>Neither TCP nor the socket lets anyone in without the password (no .pgpass, no PGPASSWORD either).</summary>
    private async Task AssertRefusedWithoutPasswordAsync()
    {
        foreach (var host in new[] { "127.0.0.1", SocketDirectory })
        {
            using var psql = await PsqlAsync(host, "select 1");
            Assert.True(psql.ExitCode != 0, $"psql -h {host} without a password got in:\n{psql.Output}");
            Assert.Contains("no password supplied", psql.Error, StringComparison.Ordinal);
        }
    }

    private static async Task<int> SelectOneAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The state an older costpilot.sh left: every local connection trusted, no password file, a socket folder
    /// anyone can read, and the server running.
    /// </summary>
    private async Task MakeItLikeTheOldScriptsAsync()
    {
        using (var stop = await RunAsync("bash", "costpilot.sh", "stop-db"))
        {
            Assert.True(stop.ExitCode == 0, stop.Error);
        }
        // Written in place, so the file keeps the owner the server needs.
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "pg", "pg_hba.conf"),
            "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n");
        File.Delete(PasswordFile);
        File.SetUnixFileMode(SocketDirectory, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        using var start = await RunAsync("bash", "-c",
            "ROOT=$PWD; . scripts/lib.sh; pg_locate; PG_BIN=$(pg_find_bindir \"$(cat \"$PGDATA_DIR/PG_VERSION\")\"); PG_OWNER=$(pg_owner); pg_ctl_as start -w -t 60 -l \"$PG_LOG\"");
        Assert.True(start.ExitCode == 0, $"Could not start the cluster as the old script left it:\n{start.Output}\n{start.Error}");
    }

    /// <summary>psql as the postgres user without any password: no PGPASSWORD, no password file, never a prompt.</summary>
    private async Task<ChildProcess> PsqlAsync(string host, string sql)
    {
        using var find = await RunAsync("bash", "-c", "ROOT=$PWD; . scripts/lib.sh; pg_find_bindir");
        var bin = find.Output.Trim();
        Assert.True(bin.Length > 0, "PostgreSQL's server binaries are not installed (apt-get install -y postgresql).");
        return await RunAsync(Path.Combine(bin, "psql"), "-w", "-X", "-q", "-At", "-h", host, "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", "postgres", "-d", "costpilot", "-c", sql);
    }

    private async Task<ChildProcess> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = _root,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("COSTPILOT_", StringComparison.Ordinal) || key.StartsWith("PG", StringComparison.Ordinal)
                || key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) || key is "DATABASE_URL" or "LC_ALL")
            {
                start.Environment.Remove(key);
            }
        }
        start.Environment["COSTPILOT_PG_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGPASSFILE"] = "/dev/null";
        start.Environment["LC_MESSAGES"] = "C"; // psql's messages in English
        var process = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start."));
        if (!await process.WaitForExitAsync(ScriptDeadline))
        {
            process.Dispose();
            Assert.Fail($"{file} {string.Join(' ', args)} took longer than {ScriptDeadline.TotalSeconds:0} s.");
        }
        return process;
    }
}
