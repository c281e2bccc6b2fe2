using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Notifications;
using Microsoft.AspNetCore.Components;

namespace CostPilot.Web.Components.Shared;

/// <summary>
/// Base for pages that show accounts live: subscribes to the node's account events for the signed-in
/// user (events arrive over PostgreSQL LISTEN/NOTIFY from any node) and unsubscribes when the page goes.
/// Never polls.
/// </summary>
public abstract class LiveAccounts : ComponentBase, IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private IDisposable? _subscription;

    [Inject]
    private AccountEventHub Hub { get; set; } = default!;

    /// <summary>Called on the renderer for each event; re-renders afterwards.</summary>
    protected abstract Task OnAccountEventAsync(AccountEvent e);

    protected void Subscribe(Caller caller)
    {
        _subscription ??= Hub.Subscribe(caller.UserId, OnEventAsync);
    }

    /// <summary>Admin pages: every tenant's account events. Nothing for anyone but an administrator.</summary>
    protected void SubscribeAllTenants(Caller caller)
    {
        _subscription ??= Hub.SubscribeAll(caller, OnEventAsync);
    }

    private Task OnEventAsync(AccountEvent e) => InvokeAsync(() => OneAtATimeAsync(async () =>
    {
        await OnAccountEventAsync(e);
        StateHasChanged();
    }));

    /// <summary>
    /// Runs the page's loads and its event handling one at a time. The renderer interleaves them at every await, so
    /// without this a slow load started by an older event could finish last and show older data over newer.
    /// </summary>
    protected async Task OneAtATimeAsync(Func<Task> work)
    {
        await _turn.WaitAsync();
        try
        {
            await work();
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>A page with more to release when it goes (a pending timer) overrides this and calls the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription?.Dispose();
        }
    }
}
