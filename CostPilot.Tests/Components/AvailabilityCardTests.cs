using System.Security.Claims;
using Bunit;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using CostPilot.Web.Auth;
using CostPilot.Web.Components.Pages.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Components;

/// <summary>The account's availability against its target, from downtime rows in a real database; and the owner changing the target.</summary>
public sealed class AvailabilityCardTests() : ClientPageTestBase(PageTime)
{
    private static readonly DateTimeOffset PageTime = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    private Task DowntimeAsync(Guid accountId, string instanceId, DateTimeOffset from, int seconds) =>
        Db.ExecuteAsync("""
            INSERT INTO downtime_logs (id, account_id, instance_id, reason, started_at, ended_at)
            VALUES (gen_random_uuid(), @account, @iid, 'resize', @from, @to)
            """, ("account", accountId), ("iid", instanceId), ("from", from), ("to", from.AddSeconds(seconds)));

    [Fact]
    public async Task Card_Downtime_AvailabilityAndBudgetLeftToTheSecond()
    {
        var id = await Db.AccountAsync(UserId, "Prod", "123456789012");
        await Db.InstanceAsync(id, "i-0aaaaaaaaaaaaaaa1", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "on-demand");
        await DowntimeAsync(id, "i-0aaaaaaaaaaaaaaa1", Now.AddDays(-2), 150);
        await DowntimeAsync(id, "i-0aaaaaaaaaaaaaaa1", Now.AddDays(-1), 90);

        var card = Context.Render<AvailabilityCard>(p => p.Add(c => c.AccountId, id));

        // 240 s of 1,296,000 s; 2,592 − 240 = 2,352 s left.
        card.WaitForAssertion(() => Assert.Equal("99.981 %", card.Find("[data-testid=account-availability]").TextContent.Trim()));
        Assert.Equal("39 min 12 s of 43 min 12 s", card.Find("[data-testid=downtime-budget]").TextContent.Trim());
        Assert.Contains("i-0aaaaaaaaaaaaaaa1 99.981 % (4 min 0 s down)", card.Find("[data-testid=instance-availability]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Card_ChangeTarget_SavedAndTheBudgetFollows_BadValueExplained()
    {
        var id = await Db.AccountAsync(UserId, "Prod", "123456789012");
        var card = Context.Render<AvailabilityCard>(p => p.Add(c => c.AccountId, id));
        card.WaitForAssertion(() => Assert.Equal("43 min 12 s of 43 min 12 s", card.Find("[data-testid=downtime-budget]").TextContent.Trim()));

        await card.Find("[data-testid=availability-target-edit]").ClickAsync(new());
        card.Find("input[data-testid=availability-target-input], [data-testid=availability-target-input] input").Change("99.5");
        await card.Find("[data-testid=availability-target-save]").ClickAsync(new());

        // 0.5 % of 30 days: 3 h 36 min.
        card.WaitForAssertion(() => Assert.Equal("3 h 36 min of 3 h 36 min", card.Find("[data-testid=downtime-budget]").TextContent.Trim()));
        await using var db = NewDbContext();
        Assert.Equal(99.5m, (await db.Accounts.SingleAsync(a => a.Id == id)).AvailabilityTarget);

        var refused = await Context.Services.GetRequiredService<AvailabilityService>().SetTargetAsync(
            new CostPilot.Infrastructure.Identity.Caller(UserId, new HashSet<string>()), id, 100m);
        Assert.Equal("The availability target must be between 90 % and 99.999 %.", refused.Error?.Message);
        var stranger = await Context.Services.GetRequiredService<AvailabilityService>().SetTargetAsync(
            new CostPilot.Infrastructure.Identity.Caller("someone-else", new HashSet<string>()), id, 99m);
        Assert.Equal(CostPilot.Infrastructure.ErrorKind.NotFound, stranger.Error?.Kind);
    }
}
