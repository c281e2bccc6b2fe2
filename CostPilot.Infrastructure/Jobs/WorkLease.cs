using System.Globalization;
using Npgsql;

namespace CostPilot.Infrastructure.Jobs;

/// <summary>
/// Proof that one process works on one item (an account's discovery, say): a transaction-scoped PostgreSQL advisory lock on
/// a connection of its own. PostgreSQL frees it the moment that process dies (its connection closes), and, should the
/// process hang or its machine vanish without closing anything, after <c>timeout</c> without a word from it
/// (<c>idle_in_transaction_session_timeout</c>); a ping every fifth of the timeout keeps a live holder's session busy.
/// Anyone can ask whether a lease is held without taking it (<see cref="IsHeldAsync"/>), which is how reconciliation
/// tells a running job from an abandoned one.
/// </summary>
public sealed class WorkLease : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _keepAlive;

    private WorkLease(NpgsqlConnection connection, NpgsqlTransaction transaction, TimeSpan pingInterval)
    {
        _connection = connection;
        _transaction = transaction;
        _keepAlive = KeepAliveAsync(pingInterval);
    }

    /// <summary>Cancelled when the lease ended under its holder (the connection dropped): the work must stop.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Takes the lease on <paramref name="key"/>, or returns null at once when another process holds it.</summary>
    public static async Task<WorkLease?> TryAcquireAsync(NpgsqlDataSource dataSource, long key, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(ct);
        NpgsqlTransaction? transaction = null;
        try
        {
            // A transaction-scoped lock ends with the transaction; a session lock would stay with the pooled connection.
            transaction = await connection.BeginTransactionAsync(ct);
            // SET takes no parameters; the value is a number formatted here.
            var idleLimit = ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            await using (var limit = new NpgsqlCommand($"SET LOCAL idle_in_transaction_session_timeout = {idleLimit}", connection, transaction))
            {
                await limit.ExecuteNonQueryAsync(ct);
            }
            await using var take = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(@key)", connection, transaction);
            take.Parameters.AddWithValue("key", key);
            if ((bool)(await take.ExecuteScalarAsync(ct))!)
            {
                return new WorkLease(connection, transaction, timeout / 5);
            }
        }
        catch
        {
            await CloseQuietlyAsync(transaction, connection);
            throw;
        }
        await CloseQuietlyAsync(transaction, connection);
        return null;
    }

    /// <summary>Whether some process holds the lease on <paramref name="key"/> right now (never takes it).</summary>
    public static async Task<bool> IsHeldAsync(NpgsqlDataSource dataSource, long key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        // A bigint advisory key shows in pg_locks as its high and low 32 bits (classid, objid) with objsubid 1.
        await using var command = dataSource.CreateCommand("""
            SELECT EXISTS (SELECT 1 FROM pg_locks
                           WHERE locktype = 'advisory' AND granted AND objsubid = 1
                             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                             AND classid::bigint = @high AND objid::bigint = @low)
            """);
        command.Parameters.AddWithValue("high", (key >> 32) & 0xFFFF_FFFFL);
        command.Parameters.AddWithValue("low", key & 0xFFFF_FFFFL);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Asks PostgreSQL now; throws <see cref="WorkLeaseLostException"/> when the lease is gone.</summary>
    public async Task EnsureHeldAsync(CancellationToken ct)
    {
        if (_lost.IsCancellationRequested || !await PingAsync(ct))
        {
            throw new WorkLeaseLostException("The work's lease ended (its database connection dropped); another run may take over.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _keepAlive;
        await _gate.WaitAsync();
        try
        {
            await CloseQuietlyAsync(_transaction, _connection);
        }
        finally
        {
            _gate.Release();
        }
        _gate.Dispose();
        _lost.Dispose();
        _stop.Dispose();
    }

    private async Task KeepAliveAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (!await PingAsync(_stop.Token))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task<bool> PingAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var ping = new NpgsqlCommand("SELECT 1", _connection, _transaction);
            await ping.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ObjectDisposedException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            await _lost.CancelAsync();
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task CloseQuietlyAsync(NpgsqlTransaction? transaction, NpgsqlConnection connection)
    {
        try
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection broke: PostgreSQL ended the transaction, and the lock with it.
        }
        await connection.DisposeAsync();
    }
}
