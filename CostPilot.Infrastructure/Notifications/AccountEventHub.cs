using System.Collections.Concurrent;
using CostPilot.Infrastructure.Observability;
using Microsoft.Extensions.Logging;

namespace CostPilot.Infrastructure.Notifications;

/// <summary>
/// This node's fan-out of account events to open circuits. Events arrive from PostgreSQL
/// (<see cref="PgNotificationListener"/>), so a change made on any node reaches every node's pages.
/// </summary>
public sealed partial class AccountEventHub(ILogger<AccountEventHub> logger, CostPilotMetrics? metrics = null, TimeProvider? clock = null)
{
    private readonly ConcurrentDictionary<Guid, Subscription> _subscriptions = new();

    public int SubscriberCount => _subscriptions.Count;

    /// <summary>Calls <paramref name="handler"/> for each event of <paramref name="ownerId"/>'s accounts. Dispose to stop.</summary>
    public IDisposable Subscribe(string ownerId, Func<AccountEvent, Task> handler)
    {
        var subscription = new Subscription(this, ownerId, handler);
        _subscriptions[subscription.Id] = subscription;
        return subscription;
    }

    /// <summary>
    /// Calls <paramref name="handler"/> for each event of every tenant's accounts: the admin console's live views. Refused
    /// (null) for anyone but an administrator.
    /// </summary>
    public IDisposable? SubscribeAll(Identity.Caller caller, Func<AccountEvent, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsAdmin)
        {
            return null;
        }
        var subscription = new Subscription(this, null, handler);
        _subscriptions[subscription.Id] = subscription;
        return subscription;
    }

    internal async Task DispatchAsync(AccountEvent e)
    {
        var receivers = _subscriptions.Values.Where(s => s.OwnerId is null || s.OwnerId == e.OwnerId).ToList();
        // Push latency: publication (on any node) to the hand-over to this node's circuits; an event nobody here watches is not pushed.
        if (receivers.Count > 0 && metrics is not null && e.PublishedAt is { } published)
        {
            metrics.PushDelivered((clock ?? TimeProvider.System).GetUtcNow() - published);
        }
        foreach (var subscription in receivers)
        {
            try
            {
                await subscription.Handler(e);
            }
            catch (Exception ex)
            {
                // One broken page must not stop the others from hearing about it.
                LogHandlerFailed(logger, ex, e.AccountId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A subscriber failed to handle the event for account {AccountId}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, Guid accountId);

    /// <summary>One page's subscription: to one owner's accounts, or (<see cref="OwnerId"/> null) to all of them.</summary>
    private sealed class Subscription(AccountEventHub hub, string? ownerId, Func<AccountEvent, Task> handler) : IDisposable
    {
        public Guid Id { get; } = Guid.NewGuid();
        public string? OwnerId { get; } = ownerId;
        public Func<AccountEvent, Task> Handler { get; } = handler;

        public void Dispose() => hub._subscriptions.TryRemove(Id, out _);
    }
}
