using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CostPilot.Infrastructure.Notifications;

/// <summary>
/// One LISTEN connection per app node. Hands every account event to the node's <see cref="AccountEventHub"/>, and every
/// notification on another channel to its <see cref="INotificationChannel"/>; reconnects (with back-off) after the database
/// restarts or the connection drops.
/// </summary>
public sealed partial class PgNotificationListener(
    NpgsqlDataSource dataSource,
    AccountEventHub hub,
    IEnumerable<INotificationChannel> channels,
    ILogger<PgNotificationListener> logger) : BackgroundService
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, INotificationChannel> _channels = channels.ToDictionary(c => c.Name, StringComparer.Ordinal);

    // Notifications are handled one at a time, in the order PostgreSQL delivered them, off the connection's thread so a slow
    // page never stalls the listener. A null payload means "listening again" for the other channels.
    private readonly Channel<(string Channel, string? Payload)> _queue =
        Channel.CreateUnbounded<(string, string?)>(new UnboundedChannelOptions { SingleReader = true });

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
            await foreach (var (channel, payload) in _queue.Reader.ReadAllAsync(ct))
            {
                if (channel == AccountEventPublisher.Channel)
                {
                    if (payload is not null && Read(payload) is { } e)
                    {
                        await hub.DispatchAsync(e);
                    }
                }
                else if (_channels.TryGetValue(channel, out var handler))
                {
                    await HandleAsync(handler, payload, ct);
                }
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
                connection.Notification += (_, args) => _queue.Writer.TryWrite((args.Channel, args.Payload));
                foreach (var channel in _channels.Keys.Prepend(AccountEventPublisher.Channel))
                {
                    await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                foreach (var channel in _channels.Keys)
                {
                    _queue.Writer.TryWrite((channel, null));
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

    private AccountEvent? Read(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<AccountEvent>(payload, AccountEventPublisher.Json);
        }
        catch (JsonException ex)
        {
            LogBadPayload(logger, ex);
            return null;
        }
    }

    private async Task HandleAsync(INotificationChannel handler, string? payload, CancellationToken ct)
    {
        try
        {
            await (payload is null ? handler.OnListeningAsync(ct) : handler.OnNotificationAsync(payload, ct));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // One channel's trouble (a database blip while loading) must not stop the others; the next notification retries.
            LogHandlerFailed(logger, e, handler.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for account events failed; retrying in {Seconds} s")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling a notification on {Channel} failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an account event that could not be read")]
    private static partial void LogBadPayload(ILogger logger, Exception exception);
}
