using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CostPilot.Tests.Support;

/// <summary>A customer's AWS account in the fake, with one long-term access key.</summary>
public sealed record FakeCustomer(FakeAwsAccount Account, string AccessKeyId, string Secret)
{
    public string AccountId => Account.AccountId;
}

/// <summary>
/// The real app pointed at a <see cref="FakeAwsServer"/> started for it: CostPilot's own identity is an access key of
/// the fake's "CostPilot" account, and no job server runs (tests call <see cref="DiscoveryJob.RunAsync"/> themselves).
/// Settings a subclass puts in <see cref="CostPilotAppFactory.Settings"/> before initialization win over these defaults.
/// </summary>
public class FakeAwsAppFactory : CostPilotAppFactory
{
    public const string ServerAccountId = "999900000000";
    public const string ServerAccessKeyId = "AKIACOSTPILOTSERVER1";
    public const string ServerSecret = "CostPilotServerSecret/000000000000000000";

    private int _customers;

    public FakeAwsServer Fake { get; private set; } = default!;

    /// <summary>The clock the fake's EC2 instances change state by (null: the system clock).</summary>
    protected virtual TimeProvider? FakeClock => null;

    public override async Task InitializeAsync()
    {
        Fake = await FakeAwsServer.StartAsync(FakeClock);
        Fake.AddAccount(ServerAccountId).AddAccessKey(ServerAccessKeyId, ServerSecret);
        Settings.TryAdd("CostPilot:Aws:ServiceUrl", Fake.Url);
        Settings.TryAdd("CostPilot:Aws:AccessKeyId", ServerAccessKeyId);
        Settings.TryAdd("CostPilot:Aws:SecretAccessKey", ServerSecret);
        Settings.TryAdd("CostPilot:Aws:MaxErrorRetry", "2");
        Settings.TryAdd("CostPilot:Jobs:Server", "false");
        await base.InitializeAsync();
        // Start the app and wait until account events can be heard.
        await Services.GetRequiredService<PgNotificationListener>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Fake is not null)
        {
            await Fake.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>A new AWS account in the fake (a 12-digit id unique in this app) with an AKIA key and a 40-character secret.</summary>
    public FakeCustomer AddCustomer()
    {
        var n = Interlocked.Increment(ref _customers);
        var account = Fake.AddAccount($"{100_000_000_000 + n}");
        var keyId = $"AKIATEST{n:D12}";
        var secret = $"TestSecret{n:D8}/{new string('k', 21)}";
        account.AddAccessKey(keyId, secret);
        return new FakeCustomer(account, keyId, secret);
    }

    public Task<Result<Guid>> ConnectKeysAsync(Caller caller, FakeCustomer customer, string? secret = null) =>
        TestUsers.WithScopeAsync<AccountService, Result<Guid>>(Services,
            s => s.ConnectWithAccessKeysAsync(caller, null, customer.AccessKeyId, secret ?? customer.Secret));

    public Task<Result<Guid>> ConnectRoleAsync(Caller caller, string? roleArn) =>
        TestUsers.WithScopeAsync<AccountService, Result<Guid>>(Services, s => s.ConnectWithRoleAsync(caller, null, roleArn));

    public Task<string> ExternalIdAsync(Caller caller) =>
        TestUsers.WithScopeAsync<AccountService, string>(Services, s => s.GetOrCreateExternalIdAsync(caller));

    /// <summary>A new user who has connected <paramref name="customer"/> with its access key; returns the account id.</summary>
    public async Task<(Caller Caller, Guid AccountId)> ConnectNewUserAsync(FakeCustomer customer)
    {
        var caller = await TestUsers.CreateCallerAsync(Services);
        var result = await ConnectKeysAsync(caller, customer);
        Assert.True(result.Succeeded, result.Error?.Message);
        return (caller, result.Value);
    }

    public Task RunDiscoveryAsync(Guid accountId) =>
        Services.GetRequiredService<DiscoveryJob>().RunAsync(accountId, "test", CancellationToken.None);

    public async Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }
}
