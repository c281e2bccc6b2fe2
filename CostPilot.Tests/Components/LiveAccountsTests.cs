using Bunit;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CostPilot.Tests.Components;

/// <summary>The base of every live page: events for the signed-in user re-render it, and a closed page stops listening.</summary>
public sealed class LiveAccountsTests : ComponentTestBase
{
    private readonly AccountEventHub _hub = new(NullLogger<AccountEventHub>.Instance);

    public LiveAccountsTests() => Context.Services.AddSingleton(_hub);

    [Fact]
    public async Task Event_ForTheUsersAccount_ReRendersWithIt_OthersIgnored_AndDisposeUnsubscribes()
    {
        var page = Context.Render<StatusProbe>(p => p.Add(c => c.UserId, "user-1"));
        Assert.Equal(1, _hub.SubscriberCount);
        var accountId = Guid.NewGuid();

        await _hub.DispatchAsync(Event("user-2", accountId, AccountStatus.Error));
        await _hub.DispatchAsync(Event("user-1", accountId, AccountStatus.Discovering));

        page.WaitForAssertion(() => Assert.Equal($"{accountId}:Discovering:1", page.Find("#probe").TextContent));

        await Context.DisposeComponentsAsync();
        Assert.Equal(0, _hub.SubscriberCount);
    }

    private static AccountEvent Event(string ownerId, Guid accountId, AccountStatus status) =>
        new(accountId, ownerId, status, null, 0, 4, 0, Removed: false, DateTimeOffset.UtcNow);

    private sealed class StatusProbe : LiveAccounts
    {
        private readonly List<AccountEvent> _seen = [];

        [Parameter]
        public string UserId { get; set; } = "";

        protected override void OnInitialized() => Subscribe(new Caller(UserId, new HashSet<string> { Roles.Client }));

        protected override Task OnAccountEventAsync(AccountEvent e)
        {
            _seen.Add(e);
            return Task.CompletedTask;
        }

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "span");
            builder.AddAttribute(1, "id", "probe");
            builder.AddContent(2, _seen.Count == 0 ? "none" : $"{_seen[^1].AccountId}:{_seen[^1].Status}:{_seen.Count}");
            builder.CloseElement();
        }
    }
}
