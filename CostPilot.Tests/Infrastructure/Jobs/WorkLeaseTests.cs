using CostPilot.Infrastructure.Jobs;
using CostPilot.Tests.Support;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Jobs;

/// <summary>The lease a job holds on its work: one holder at a time, visible to others, gone with its connection.</summary>
public sealed class WorkLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private string _database = "";
    private NpgsqlDataSource _dataSource = default!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateEmptyDatabaseAsync();
        _dataSource = NpgsqlDataSource.Create(TestPostgres.ConnectionStringFor(_database));
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task TryAcquire_Held_SecondHolderRefusedAndOthersSeeIt()
    {
        var key = Random.Shared.NextInt64(long.MinValue, long.MaxValue);

        await using (var lease = await WorkLease.TryAcquireAsync(_dataSource, key, Timeout, CancellationToken.None))
        {
            Assert.NotNull(lease);
            Assert.Null(await WorkLease.TryAcquireAsync(_dataSource, key, Timeout, CancellationToken.None));
            Assert.True(await WorkLease.IsHeldAsync(_dataSource, key, CancellationToken.None));
            Assert.False(await WorkLease.IsHeldAsync(_dataSource, key + 1, CancellationToken.None));
            await lease.EnsureHeldAsync(CancellationToken.None);
        }

        Assert.False(await WorkLease.IsHeldAsync(_dataSource, key, CancellationToken.None));
        await using var next = await WorkLease.TryAcquireAsync(_dataSource, key, Timeout, CancellationToken.None);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task Lease_ConnectionTerminated_LostFiresAndTheLeaseIsFree()
    {
        var key = Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        await using var lease = await WorkLease.TryAcquireAsync(_dataSource, key, Timeout, CancellationToken.None);
        Assert.NotNull(lease);
        var lost = new TaskCompletionSource();
        using var registration = lease.Lost.Register(() => lost.TrySetResult());

        await TestPostgres.ExecuteAdminAsync(
            $"SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = '{_database}')");

        // The keep-alive ping (every fifth of the timeout) finds the connection gone.
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(await WorkLease.IsHeldAsync(_dataSource, key, CancellationToken.None));
        await Assert.ThrowsAsync<WorkLeaseLostException>(() => lease.EnsureHeldAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Lease_KeepsItsSessionAliveBeyondTheIdleTimeout()
    {
        var key = Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        await using var lease = await WorkLease.TryAcquireAsync(_dataSource, key, Timeout, CancellationToken.None);
        Assert.NotNull(lease);

        // Longer than the session's idle-in-transaction timeout: only the pings keep PostgreSQL from ending it.
        await Task.Delay(Timeout * 2);

        Assert.False(lease.Lost.IsCancellationRequested);
        await lease.EnsureHeldAsync(CancellationToken.None);
        Assert.True(await WorkLease.IsHeldAsync(_dataSource, key, CancellationToken.None));
    }
}
