using System.Globalization;
using System.Security.Claims;
using Bunit;
using CostPilot.Domain.Accounts;
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
using CostPilot.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Components;

/// <summary>
/// The client pages' money, rendered from a known inventory in a real database: the account page's cost cards and charts, the
/// instances grid's prices, and the dashboard's total. Every figure is checked as the exact text shown.
/// </summary>
public sealed class CostPagesTests() : ClientPageTestBase(PageTime)
{
    private static readonly DateTimeOffset PageTime = new(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AccountPage_KnownFleet_ShowsExactCostsAndTheTotalIsTheSumOfTheParts()
    {
        var id = await KnownFleet.SeedAsync(Db, UserId, "111111111111");
        await Db.SnapshotAsync(id, new DateOnly(2026, 11, 29), 24_000.00m, 60.00m, 7.30m);
        await Db.SnapshotAsync(id, new DateOnly(2026, 11, 30), KnownFleet.Compute, KnownFleet.Storage, KnownFleet.Addresses);

        var page = Context.Render<AccountPage>(p => p.Add(c => c.Id, id));

        page.WaitForAssertion(() => Assert.Equal("$24,227.32", Text(page, "account-monthly-cost")), TimeSpan.FromSeconds(10));
        Assert.Equal("$24,157.02", Text(page, "account-compute-cost"));
        Assert.Equal("$63.00", Text(page, "account-storage-cost"));
        Assert.Equal("$7.30", Text(page, "account-address-cost"));
        Assert.Equal("2 prices unknown, not counted", Text(page, "account-unknown-count"));
        var parts = Parse(Text(page, "account-compute-cost")) + Parse(Text(page, "account-storage-cost")) + Parse(Text(page, "account-address-cost"));
        Assert.Equal(Parse(Text(page, "account-monthly-cost")), parts);

        // The charts: by region every resource's cost, by family and tags the instances' compute; unpriced and free ones left out.
        Assert.Equal(["us-east-1 $24,145.89", "eu-west-1 $81.43"], Slices(page, "cost-by-region"));
        Assert.Equal(["p4d $23,924.00", "m5 $210.24", "c5 $22.78"], Slices(page, "cost-by-family"));
        Assert.Equal(["ml $23,924.00", "payments $210.24", "search $22.78"], Slices(page, "cost-by-team"));
        Assert.Equal(["prod $23,994.08", "staging $140.16", "(untagged) $22.78"], Slices(page, "cost-by-environment"));
        Assert.NotEmpty(page.FindAll("[data-testid=cost-by-region] svg"));
        Assert.NotEmpty(page.FindAll("[data-testid=cost-history] svg"));
        Assert.Empty(page.FindAll("[data-testid=cost-charts-empty]"));
    }

    [Fact]
    public async Task AccountPage_FirstScanRunningWithNothingPriced_ShowsZeroCostsAndAnEmptyChartState()
    {
        var id = await Db.AccountAsync(UserId, "Brand new", "222222222222", status: "Discovering");

        var page = Context.Render<AccountPage>(p => p.Add(c => c.Id, id));

        page.WaitForAssertion(() => Assert.Equal("$0.00", Text(page, "account-monthly-cost")), TimeSpan.FromSeconds(10));
        Assert.Equal("every price known", Text(page, "account-unknown-count"));
        Assert.Contains("first scan is running", page.Find("[data-testid=cost-charts-empty]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=cost-charts]"));
    }

    [Fact]
    public async Task AccountPage_OneDayOfHistory_SaysThatDaysFigureInsteadOfALine()
    {
        var id = await KnownFleet.SeedAsync(Db, UserId, "333333333333");
        await Db.SnapshotAsync(id, new DateOnly(2026, 11, 30), KnownFleet.Compute, KnownFleet.Storage, KnownFleet.Addresses);

        var page = Context.Render<AccountPage>(p => p.Add(c => c.Id, id));

        page.WaitForAssertion(() => Assert.Contains("$24,227.32", page.Find("[data-testid=cost-history-single]").TextContent, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        Assert.StartsWith("2026-11-30:", page.Find("[data-testid=cost-history-single]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=cost-history] svg"));
    }

    [Fact]
    public async Task AccountPage_AccountEvent_ReloadsCostCardsAndCharts()
    {
        var id = await KnownFleet.SeedAsync(Db, UserId, "444444444444");
        var page = Context.Render<AccountPage>(p => p.Add(c => c.Id, id));
        page.WaitForAssertion(() => Assert.Equal("$24,227.32", Text(page, "account-monthly-cost")), TimeSpan.FromSeconds(10));

        // A rescan priced a new instance in a new region; its end is pushed to the open page.
        await Db.InstanceAsync(id, "i-0000000000000099", "ap-south-1", "r5.large", "running", 0.126m, 91.98m, "on-demand");
        await Hub.DispatchAsync(AccountEvent.Changed(id, UserId, AccountStatus.Active, null, Now.AddMinutes(1)));

        page.WaitForAssertion(() => Assert.Equal("$24,319.30", Text(page, "account-monthly-cost")), TimeSpan.FromSeconds(10));
        Assert.Equal("$24,249.00", Text(page, "account-compute-cost"));
        Assert.Contains("ap-south-1 $91.98", Slices(page, "cost-by-region"));
    }

    [Fact]
    public async Task InstancesGrid_ShowsHourlyAndMonthlyPrices_SpotAndPriceUnknown()
    {
        var id = await KnownFleet.SeedAsync(Db, UserId, "555555555555");

        var grid = Context.Render<InstancesGrid>(p => p.Add(c => c.AccountId, id));

        grid.WaitForAssertion(() => Assert.Equal(KnownFleet.LiveInstances, grid.FindAll("tbody tr").Count), TimeSpan.FromSeconds(10));
        var rows = grid.FindAll("tbody tr").ToDictionary(r => r.QuerySelector("code")!.TextContent.Trim(), r => r);
        Assert.Equal("$23,924.00", rows["i-0000000000000006"].QuerySelector("[data-testid=instance-monthly-cost]")!.TextContent.Trim());
        Assert.Equal("$32.7726/h", rows["i-0000000000000006"].QuerySelector("[data-testid=instance-hourly-cost]")!.TextContent.Trim());
        Assert.Equal("$22.78", rows["i-0000000000000003"].QuerySelector("[data-testid=instance-monthly-cost]")!.TextContent.Trim());
        Assert.Equal("$0.0312/h", rows["i-0000000000000003"].QuerySelector("[data-testid=instance-hourly-cost]")!.TextContent.Trim());
        Assert.Equal("spot", rows["i-0000000000000003"].QuerySelector("[data-testid=spot-price]")!.TextContent.Trim());
        Assert.Equal("price unknown", rows["i-0000000000000005"].QuerySelector("[data-testid=instance-monthly-cost]")!.TextContent.Trim());
        Assert.DoesNotContain("$0.00", rows["i-0000000000000005"].TextContent, StringComparison.Ordinal);
        Assert.Equal("$0.00", rows["i-0000000000000004"].QuerySelector("[data-testid=instance-monthly-cost]")!.TextContent.Trim()); // stopped: free
        Assert.Single(grid.FindAll("[data-testid=spot-price]"));
        Assert.Equal($"/client/accounts/{id}/export/instances.csv", grid.Find("[data-testid=export-instances-csv]").GetAttribute("href"));
    }

    [Fact]
    public async Task Dashboard_TotalIsTheSumOfTheAccountsShown_AndOtherUsersAccountsAreLeftOut()
    {
        await KnownFleet.SeedAsync(Db, UserId, "666666666666");
        var second = await Db.AccountAsync(UserId, "Staging", "777777777777", method: "AccessKeys");
        await Db.InstanceAsync(second, "i-0000000000000100", "us-east-1", "m5.24xlarge", "running", 1.6912m, 1_234.56m, "on-demand");
        var stranger = await Db.UserAsync();
        var theirs = await Db.AccountAsync(stranger, "Not yours", "888888888888");
        await Db.InstanceAsync(theirs, "i-0000000000000200", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "on-demand");

        var page = Context.Render<Dashboard>();

        page.WaitForAssertion(() => Assert.Equal("$25,461.88", Text(page, "total-monthly-cost")), TimeSpan.FromSeconds(10));
        var rows = page.FindAll("[data-testid=account-row-cost]").Select(e => e.TextContent.Trim()).ToList();
        Assert.Equal(["$24,227.32", "$1,234.56"], rows);
        Assert.Equal(Parse(Text(page, "total-monthly-cost")), rows.Sum(Parse));
    }

    private static string Text<T>(IRenderedComponent<T> page, string testId) where T : IComponent =>
        page.Find($"[data-testid='{testId}']").TextContent.Trim();

    private static List<string> Slices<T>(IRenderedComponent<T> page, string chart) where T : IComponent =>
        [.. page.FindAll($"[data-testid={chart}] [data-testid=cost-slice]")
            .Select(r => string.Join(' ', r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).Where(t => t.Length > 0)))];

    private static decimal Parse(string money) =>
        decimal.Parse(money, NumberStyles.Currency, new NumberFormatInfo { CurrencySymbol = "$", CurrencyGroupSeparator = ",", CurrencyDecimalSeparator = "." });
}
