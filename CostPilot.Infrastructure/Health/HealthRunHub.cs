using System.Collections.Concurrent;
using System.Globalization;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Notifications;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CostPilot.Infrastructure.Health;

/// <summary>
/// "The health monitor recorded a run": published with PostgreSQL NOTIFY on <see cref="Channel"/> by the node that ran it,
/// heard by every node (<see cref="PgNotificationListener"/>) and handed to its open System pages, which reload their history.
/// </summary>
public sealed partial class HealthRunHub(NpgsqlDataSource dataSource, ILogger<HealthRunHub> logger) : INotificationChannel
{
    public const string Channel = "costpilot_health_runs";

    private readonly ConcurrentDictionary<Guid, Func<Task>> _subscribers = new();

    string INotificationChannel.Name => Channel;

    public int SubscriberCount => _subscribers.Count;

    /// <summary>Tells every node that a run checked at <paramref name="checkedAt"/> is stored.</summary>
    public async Task PublishAsync(DateTimeOffset checkedAt, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_notify(@channel, @payload)");
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payload", checkedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Calls <paramref name="handler"/> after each recorded run. Refused (null) for anyone but an administrator.</summary>
    public IDisposable? Subscribe(Caller caller, Func<Task> handler)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.AdminError() is not null)
        {
            return null;
        }
        var id = Guid.NewGuid();
        _subscribers[id] = handler;
        return new Subscription(this, id);
    }

    Task INotificationChannel.OnNotificationAsync(string payload, CancellationToken ct) => DispatchAsync();

    // A run may have been recorded while the listener was reconnecting.
    Task INotificationChannel.OnListeningAsync(CancellationToken ct) => DispatchAsync();

    private async Task DispatchAsync()
    {
        foreach (var (id, handler) in _subscribers)
        {
            try
            {
                await handler();
            }
            catch (Exception e)
            {
                // One broken page must not stop the others from hearing about it.
                LogHandlerFailed(logger, e, id);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A subscriber ({Subscription}) failed to handle a health run")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, Guid subscription);

    private sealed class Subscription(HealthRunHub hub, Guid id) : IDisposable
    {
        public void Dispose() => hub._subscribers.TryRemove(id, out _);
    }
}
