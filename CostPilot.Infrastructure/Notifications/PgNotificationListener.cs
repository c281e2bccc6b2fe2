using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CostPilot.Infrastructure.Notifications;

/// <summary>
/// One LISTEN connection per app node. Hands every account event to the node's <see cref="AccountEventHub"/>,
/// and reconnects (with back-off) after the database restarts or the connection drops.
/// </summary>
public sealed partial class PgNotificationListener(
    NpgsqlDataSource dataSource,
    AccountEventHub hub,
    ILogger<PgNotificationListener> logger) : BackgroundService
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Events are handed to subscribers one at a time, in the order PostgreSQL delivered them,
    // off the connection's thread so a slow page never stalls the listener.
    private readonly Channel<AccountEvent> _queue = Channel.CreateUnbounded<AccountEvent>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Completes once the first LISTEN is in place (tests and start-up checks wait on it).</summary>
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pump = PumpAsync(stoppingToken);
        await ListenAsync(stoppingToken);
        _queue.Writer.TryComplete();
        await pump;
    }

    private async Task PumpAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var e in _queue.Reader.ReadAllAsync(ct))
            {
                await hub.DispatchAsync(e);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, args) => OnNotification(args.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {AccountEventPublisher.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                _listening.TrySetResult();
                delay = TimeSpan.FromSeconds(1);
                while (!stoppingToken.IsCancellationRequested)
                {
                    // Wakes on a notification (the connection lives), or after a quiet keep-alive period: then a ping proves it.
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken))
                    {
                        await PingAsync(connection, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                LogListenFailed(logger, e, delay.TotalSeconds);
            }
            await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
        }
    }

    /// <summary>Throws when the connection is dead, which sends the loop round to reconnect.</summary>
    private static async Task PingAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var ping = new NpgsqlCommand("SELECT 1", connection);
        await ping.ExecuteScalarAsync(ct);
    }

    private void OnNotification(string payload)
    {
        AccountEvent? e;
        try
        {
            e = JsonSerializer.Deserialize<AccountEvent>(payload, AccountEventPublisher.Json);
        }
        catch (JsonException ex)
        {
            LogBadPayload(logger, ex);
            return;
        }
        if (e is not null)
        {
            _queue.Writer.TryWrite(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for account events failed; retrying in {Seconds} s")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an account event that could not be read")]
    private static partial void LogBadPayload(ILogger logger, Exception exception);
}
