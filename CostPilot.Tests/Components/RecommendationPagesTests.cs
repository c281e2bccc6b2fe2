using System.Security.Claims;
using Bunit;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Tests.Support;
using CostPilot.Web.Auth;
using CostPilot.Web.Components.Pages.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Components;

/// <summary>
/// The recommendations as a client sees them, rendered from stored rows in a real database: the list (order, hooks, filters,
/// unknown savings), the savings card, the instances grid's advice and the dashboard's totals.
/// </summary>
public sealed class RecommendationPagesTests() : ClientPageTestBase(PageTime)
{
    private static readonly DateTimeOffset PageTime = new(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);

    /// <summary>Four recommendations: two instances, a volume and an address, one of them with a saving nobody can price.</summary>
    private async Task<Guid> SeedAsync()
    {
        var id = await Db.AccountAsync(UserId, "Prod", "123456789012");
        await Db.RecommendationAsync(id, "rightsize", "Instance", "i-0aaaaaaaaaaaaaaa1", "us-east-1", 140.16m, 70.08m, risk: 0, name: "api-1",
            reason: "p95 CPU 12 % over 14 days; m5.xlarge → m5.large saves $70.08/month");
        await Db.RecommendationAsync(id, "idle", "Instance", "i-0bbbbbbbbbbbbbbb2", "eu-west-1", 560.64m, 0m, current: "running", proposed: "stopped");
        await Db.RecommendationAsync(id, "unattached-volume", "Volume", "vol-0ccccccccccccccc3", "us-east-1", 8.00m, 0m, current: "gp2 · 100 GiB",
            proposed: "deleted");
        await Db.RecommendationAsync(id, "idle-address", "Address", "eipalloc-0ddddddddddddddd4", "us-east-1", null, null, current: "203.0.113.1",
            proposed: "released");
        return id;
    }

    [Fact]
    public async Task RecommendationsList_SortedBySavingWithStableHooksAndUnknownLast()
    {
        var id = await SeedAsync();

        var list = Context.Render<RecommendationsList>(p => p.Add(c => c.AccountId, id));

        list.WaitForAssertion(() => Assert.Equal(4, list.FindAll("[data-testid=recommendation-row]").Count));
        var rows = list.FindAll("[data-testid=recommendation-row]");
        Assert.Equal(["idle", "rightsize", "unattached-volume", "idle-address"], rows.Select(r => r.GetAttribute("data-kind")));
        Assert.Equal(["i-0bbbbbbbbbbbbbbb2", "i-0aaaaaaaaaaaaaaa1", null, null], rows.Select(r => r.GetAttribute("data-instance-id")));
        Assert.Equal([null, null, "vol-0ccccccccccccccc3", "eipalloc-0ddddddddddddddd4"], rows.Select(r => r.GetAttribute("data-resource-id")));
        Assert.Equal(["$560.64", "$70.08", "$8.00", "price unknown"],
            rows.Select(r => r.QuerySelector("[data-testid=recommendation-saving]")!.TextContent.Trim()));
        Assert.Contains("m5.xlarge → m5.large saves $70.08/month", rows[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecommendationsList_SortBySavingAgainAndFilterByKind()
    {
        var id = await SeedAsync();
        var list = Context.Render<RecommendationsList>(p => p.Add(c => c.AccountId, id));
        list.WaitForAssertion(() => Assert.Equal(4, list.FindAll("[data-testid=recommendation-row]").Count));

        await list.InvokeAsync(() => list.Find("[data-testid=sort-saving]").ClickAsync(new()));

        // Smallest first now; a saving nobody can price stays last either way.
        list.WaitForAssertion(() => Assert.Equal(["unattached-volume", "rightsize", "idle", "idle-address"],
            list.FindAll("[data-testid=recommendation-row]").Select(r => r.GetAttribute("data-kind"))));

        await list.InvokeAsync(() => list.Instance.ShowKindAsync(RecommendationKind.Idle));

        list.WaitForAssertion(() => Assert.Equal(["idle"], list.FindAll("[data-testid=recommendation-row]").Select(r => r.GetAttribute("data-kind"))));
    }

    /// <summary>
    /// A live reload that reorders the rows keeps each row's Apply with its own instance. Blazor sends a click on a row the browser
    /// has not redrawn yet to the newest handler at that place: without a key per row, that was the handler of whichever instance
    /// had moved there, so Apply opened (and confirmed) the wrong instance.
    /// </summary>
    [Fact]
    public async Task RecommendationsList_ReorderedRowsKeepTheirOwnApplyButton()
    {
        var id = await SeedAsync();
        var list = Context.Render<RecommendationsList>(p => p.Add(c => c.AccountId, id));
        list.WaitForAssertion(() => Assert.Equal(4, list.FindComponents<ApplyButton>().Count));
        var before = list.FindComponents<ApplyButton>().ToDictionary(b => b.Instance.Row.ResourceId, b => b.Instance);
        Assert.Equal(["i-0bbbbbbbbbbbbbbb2", "i-0aaaaaaaaaaaaaaa1"],
            list.FindComponents<ApplyButton>().Select(b => b.Instance.Row.ResourceId).Where(r => r.StartsWith("i-", StringComparison.Ordinal)));

        // Found and clicked on the renderer, so the list's own first-load render cannot come between the two.
        await list.InvokeAsync(() => list.Find("[data-testid=sort-saving]").ClickAsync(new()));

        list.WaitForAssertion(() => Assert.Equal(["i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb2"],
            list.FindComponents<ApplyButton>().Select(b => b.Instance.Row.ResourceId).Where(r => r.StartsWith("i-", StringComparison.Ordinal))));
        foreach (var button in list.FindComponents<ApplyButton>())
        {
            Assert.Same(before[button.Instance.Row.ResourceId], button.Instance);
        }
    }

    [Fact]
    public async Task AccountPage_PotentialSavingsIsTheSumOfTheKnownSavings()
    {
        var id = await SeedAsync();

        var page = Context.Render<AccountPage>(p => p.Add(c => c.Id, id));

        page.WaitForAssertion(() => Assert.Equal("$638.72", page.Find("[data-testid=potential-savings]").TextContent.Trim()));
        Assert.Contains("1 with a saving CostPilot cannot price", page.Find("[data-testid=savings-card]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["idle", "rightsize", "unattached-volume", "idle-address"],
            page.FindAll("[data-testid=savings-by-kind] [data-kind]").Select(c => c.GetAttribute("data-kind")));
    }

    [Fact]
    public async Task InstancesGrid_AdviceAndNotEnoughDataPerInstance()
    {
        var id = await Db.AccountAsync(UserId, "Prod", "123456789012");
        await Db.InstanceAsync(id, "i-0aaaaaaaaaaaaaaa1", "us-east-1", "m5.xlarge", "running", 0.192m, 140.16m, "on-demand", name: "api-1");
        await Db.InstanceAsync(id, "i-0bbbbbbbbbbbbbbb2", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "on-demand", name: "api-2");
        await Db.InstanceAsync(id, "i-0ccccccccccccccc3", "us-east-1", "c5.large", "running", 0.085m, 62.05m, "on-demand", name: "api-3");
        await Db.RecommendationAsync(id, "rightsize", "Instance", "i-0aaaaaaaaaaaaaaa1", "us-east-1", 140.16m, 70.08m);
        await Db.FindingAsync(id, "i-0bbbbbbbbbbbbbbb2", "us-east-1", "NotEnoughData", "41 of the 72 hourly points needed");
        await Db.FindingAsync(id, "i-0ccccccccccccccc3", "us-east-1", "UnderProvisioned", "p95 CPU 91 % over 14 days");

        var grid = Context.Render<InstancesGrid>(p => p.Add(c => c.AccountId, id));

        grid.WaitForAssertion(() => Assert.Single(grid.FindAll("[data-testid=not-enough-data]")));
        Assert.Equal("rightsize", grid.Find("[data-testid=instance-advice]").GetAttribute("data-kind"));
        Assert.Contains("$70.08", grid.Find("[data-testid=instance-advice]").TextContent, StringComparison.Ordinal);
        Assert.Single(grid.FindAll("[data-testid=under-provisioned]"));
    }

    [Fact]
    public async Task Dashboard_TotalPotentialSavingsAndTopRecommendations()
    {
        var id = await SeedAsync();
        var other = await Db.AccountAsync(UserId, "Staging", "210987654321", method: "AccessKeys");
        await Db.RecommendationAsync(other, "gp2-to-gp3", "Volume", "vol-0eeeeeeeeeeeeeee5", "us-east-1", 10.00m, 8.00m);

        var page = Context.Render<Dashboard>();

        page.WaitForAssertion(() => Assert.Equal("$640.72 / month", page.Find("[data-testid=total-potential-savings]").TextContent.Trim()));
        // Rows by account name: Prod, then Staging; their savings add up to the card.
        Assert.Equal(["$638.72", "$2.00"], page.FindAll("[data-testid=account-row-savings]").Select(s => s.TextContent.Trim()));
        // The top list leaves out what cannot be priced, largest first, across both accounts.
        Assert.Equal(["idle", "rightsize", "unattached-volume", "gp2-to-gp3"],
            page.FindAll("[data-testid=top-recommendation]").Select(r => r.GetAttribute("data-kind")));
    }
}
