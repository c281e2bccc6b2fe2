using System.Threading.Channels;
using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Notifications;

/// <summary>Status changes travel through PostgreSQL LISTEN/NOTIFY: a second app node on the same database hears them.</summary>
public sealed class AccountEventBusTests : IAsyncLifetime
{
    private readonly CostPilotAppFactory _nodeA = new() { Settings = { ["CostPilot:Jobs:Server"] = "false", ["CostPilot:Sandbox:PageDelayMs"] = "0" } };
    private CostPilotAppFactory _nodeB = default!;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_nodeA).InitializeAsync();
        _ = _nodeA.Services; // start node A (migrations, listener)
        _nodeB = new CostPilotAppFactory { SharedDatabase = _nodeA.DatabaseName, Settings = { ["CostPilot:Jobs:Server"] = "false" } };
        await ((IAsyncLifetime)_nodeB).InitializeAsync();
        await _nodeA.Services.GetRequiredService<PgNotificationListener>().Listening.WaitAsync(TimeSpan.FromSeconds(10));
        await _nodeB.Services.GetRequiredService<PgNotificationListener>().Listening.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_nodeB).DisposeAsync();
        await ((IAsyncLifetime)_nodeA).DisposeAsync();
    }

    [Fact]
    public async Task DiscoveryOnNodeA_PushesStatusToSubscriberOnNodeB()
    {
        var caller = await TestUsers.CreateCallerAsync(_nodeA.Services);
        var events = Channel.CreateUnbounded<AccountEvent>();
        using var subscription = _nodeB.Services.GetRequiredService<AccountEventHub>()
            .Subscribe(caller.UserId, e => events.Writer.WriteAsync(e).AsTask());
        var connect = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(_nodeA.Services, s => s.ConnectSandboxAsync(caller));

        await _nodeA.Services.GetRequiredService<DiscoveryJob>().RunAsync(connect.Value, "test", CancellationToken.None);

        var seen = new List<AccountEvent>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (seen.LastOrDefault()?.Status != AccountStatus.Active)
        {
            seen.Add(await events.Reader.ReadAsync(deadline.Token));
        }
        Assert.All(seen, e => Assert.Equal(connect.Value, e.AccountId));
        // Connecting is heard first (other tabs list the account), then the scan.
        Assert.Equal([AccountStatus.Connected, AccountStatus.Discovering], seen.Take(2).Select(e => e.Status));
        Assert.Contains(seen, e => e is { Status: AccountStatus.Discovering, InstancesFound: > 0 });
        Assert.Equal(326, seen[^1].InstancesFound);
        Assert.Equal(5, seen[^1].RegionsDone);
        Assert.Equal(5, seen[^1].RegionsTotal);
    }

    [Fact]
    public async Task Subscriber_OnlyHearsItsOwnersAccounts_AndStopsWhenDisposed()
    {
        var owner = await TestUsers.CreateCallerAsync(_nodeA.Services);
        var other = await TestUsers.CreateCallerAsync(_nodeA.Services);
        var hub = _nodeB.Services.GetRequiredService<AccountEventHub>();
        var received = Channel.CreateUnbounded<AccountEvent>();
        var subscription = hub.Subscribe(owner.UserId, e => received.Writer.WriteAsync(e).AsTask());
        var publisher = _nodeA.Services.GetRequiredService<AccountEventPublisher>();
        AccountEvent Event(string ownerId) => new(Guid.NewGuid(), ownerId, AccountStatus.Connected, "<b>not markup</b>", 0, 0, 0, false, DateTimeOffset.UtcNow);

        await publisher.PublishAsync(Event(other.UserId));
        var mine = Event(owner.UserId);
        await publisher.PublishAsync(mine);
        var first = await received.Reader.ReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        var countBefore = hub.SubscriberCount;
        subscription.Dispose();

        // Heard as published, plus the moment of publication (what push latency is measured from).
        Assert.NotNull(first.PublishedAt);
        Assert.Equal(mine, first with { PublishedAt = null });
        Assert.Equal(countBefore - 1, hub.SubscriberCount);
    }
}
