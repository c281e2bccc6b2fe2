using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Support;

/// <summary>Every account event one user's pages on a node would get, in arrival order.</summary>
public sealed class AccountEventLog : IDisposable
{
    private readonly List<AccountEvent> _events = [];
    private readonly IDisposable _subscription;

    public AccountEventLog(IServiceProvider node, string userId) =>
        _subscription = node.GetRequiredService<AccountEventHub>().Subscribe(userId, e =>
        {
            lock (_events)
            {
                _events.Add(e);
            }
            return Task.CompletedTask;
        });

    public IReadOnlyList<AccountEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The statuses seen, with repeats collapsed: e.g. Discovering, Interrupted, Discovering, Active.</summary>
    public IReadOnlyList<AccountStatus> Statuses(Guid accountId, DateTimeOffset? since = null)
    {
        var statuses = new List<AccountStatus>();
        foreach (var e in Events.Where(e => e.AccountId == accountId && e.ReportsStatus && (since is null || e.At >= since)))
        {
            if (statuses.Count == 0 || statuses[^1] != e.Status)
            {
                statuses.Add(e.Status);
            }
        }
        return statuses;
    }

    public void Dispose() => _subscription.Dispose();
}
