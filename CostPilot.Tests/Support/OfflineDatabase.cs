using Npgsql;

namespace CostPilot.Tests.Support;

/// <summary>
/// Makes a test database unreachable (no new connections, existing ones ended) until disposed,
/// which lets connections in again.
/// </summary>
public sealed class OfflineDatabase : IAsyncDisposable
{
    private readonly string _name;

    private OfflineDatabase(string name) => _name = name;

    public static async Task<OfflineDatabase> TakeOfflineAsync(string name)
    {
        await TestPostgres.ExecuteAdminAsync($"ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false");
        var offline = new OfflineDatabase(name);
        try
        {
            await TestPostgres.ExecuteAdminAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
            NpgsqlConnection.ClearAllPools();
            return offline;
        }
        catch
        {
            await offline.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync() =>
        await TestPostgres.ExecuteAdminAsync($"ALTER DATABASE \"{_name}\" WITH ALLOW_CONNECTIONS true");
}
