using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Infrastructure.Utilization;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Utilization;

/// <summary>
/// The utilization job against the fake AWS endpoint: the real CloudWatch client, signing and paging, the account's keys, and
/// what the account page is told when CloudWatch answers, refuses or is throttled. No job server: the test runs the jobs.
/// </summary>
public sealed class AwsUtilizationTests(FakeAwsAppFactory app) : IClassFixture<FakeAwsAppFactory>
{
    private static readonly string[] Fleet = ["i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb2", "i-0ccccccccccccccc3"];

    /// <summary>
    /// Three running m5.xlarge instances in us-east-1: one idle for 14 days, one at a steady 10 % (rightsize), one with only
    /// 30 hours of data (not enough); and a stopped one, which is not asked about.
    /// </summary>
    private async Task<(FakeCustomer Customer, Guid AccountId, string OwnerId)> ScannedAsync()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(
        [
            .. Fleet.Select(id => new FakeInstance(id) { InstanceType = "m5.xlarge" }),
            new FakeInstance("i-0ddddddddddddddd4") { InstanceType = "m5.xlarge", State = "stopped" },
        ]);
        var start = UtilizationSeries.WindowStart(DateTimeOffset.UtcNow);
        var metrics = customer.Account.Metrics("us-east-1");
        Hours(metrics, Fleet[0], start, UtilizationSeries.WindowHours, cpu: 1.0, max: 2.0, network: 10_000);
        Hours(metrics, Fleet[1], start, UtilizationSeries.WindowHours, cpu: 10.0, max: 30.0, network: 50_000_000);
        Hours(metrics, Fleet[2], start.AddHours(UtilizationSeries.WindowHours - 30), 30, cpu: 10.0, max: 30.0, network: 50_000_000);
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        return (customer, accountId, caller.UserId);
    }

    private static void Hours(FakeMetricRegion metrics, string id, DateTimeOffset from, int hours, double cpu, double max, double network)
    {
        var range = Enumerable.Range(0, hours).Select(h => from.AddHours(h)).ToList();
        metrics.Put(id, FakeMetricNames.CpuUtilization, FakeMetricNames.Average, range.Select(h => (h, cpu)));
        metrics.Put(id, FakeMetricNames.CpuUtilization, FakeMetricNames.Maximum, range.Select(h => (h, max)));
        metrics.Put(id, FakeMetricNames.NetworkIn, FakeMetricNames.Sum, range.Select(h => (h, network / 2)));
        metrics.Put(id, FakeMetricNames.NetworkOut, FakeMetricNames.Sum, range.Select(h => (h, network / 2)));
    }

    private Task CollectAsync(Guid accountId) =>
        app.Services.GetRequiredService<UtilizationJob>().RunAsync(accountId, "test", CancellationToken.None);

    [Fact]
    public async Task RunAsync_CloudWatchAnswers_SeriesStoredAndAdviceFromThem()
    {
        var (customer, accountId, _) = await ScannedAsync();

        await CollectAsync(accountId);

        await using var db = await app.CreateDbContextAsync();
        var stored = await db.InstanceUtilization.Where(u => u.AccountId == accountId).ToDictionaryAsync(u => u.InstanceId);
        Assert.Equal(Fleet.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((336, 1.0, 2.0), (stored[Fleet[0]].HourlyPoints, stored[Fleet[0]].CpuP95, stored[Fleet[0]].CpuMax));
        Assert.Equal(30, stored[Fleet[2]].HourlyPoints);
        var run = await db.UtilizationRuns.SingleAsync(r => r.AccountId == accountId);
        Assert.Equal((UtilizationStatus.Collected, 3, 2), (run.Status, run.InstancesAsked, run.InstancesWithData));
        // One call for three instances: 12 queries, signed with the customer's key.
        var calls = app.Fake.Requests.Where(r => r.Action == "GetMetricData" && r.AccountId == customer.AccountId).ToList();
        Assert.Single(calls);

        var advice = await db.Recommendations.Where(r => r.AccountId == accountId && r.Resource == ResourceKind.Instance)
            .ToDictionaryAsync(r => r.ResourceId, r => r.Kind);
        Assert.Equal(RecommendationKind.Idle, advice[Fleet[0]]);
        Assert.Equal(RecommendationKind.Rightsize, advice[Fleet[1]]);
        Assert.False(advice.ContainsKey(Fleet[2]));
        var finding = await db.InstanceFindings.SingleAsync(f => f.AccountId == accountId && f.InstanceId == Fleet[2]);
        Assert.Equal(InstanceFindingKind.NotEnoughData, finding.Kind);
        Assert.Contains("30 of the 72", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AgainWithinTheMinimumInterval_AdviceReevaluatedWithoutAskingCloudWatchAgain()
    {
        var (customer, accountId, _) = await ScannedAsync();
        await CollectAsync(accountId);
        await app.ExecuteAsync("DELETE FROM recommendations WHERE account_id = @a", ("a", accountId));

        await CollectAsync(accountId);

        Assert.Single(app.Fake.Requests, r => r.Action == "GetMetricData" && r.AccountId == customer.AccountId);
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(UtilizationStatus.Collected, (await db.UtilizationRuns.SingleAsync(r => r.AccountId == accountId)).Status);
        Assert.True(await db.Recommendations.AnyAsync(r => r.AccountId == accountId && r.Kind == RecommendationKind.Idle));
    }

    [Fact]
    public async Task RunAsync_PolicyWithoutCloudWatch_FailedNamingTheActionAndNoComputeAdvice()
    {
        var (customer, accountId, _) = await ScannedAsync();
        customer.Account.CloudWatchDenied = true;

        await CollectAsync(accountId);

        await using var db = await app.CreateDbContextAsync();
        var run = await db.UtilizationRuns.SingleAsync(r => r.AccountId == accountId);
        Assert.Equal(UtilizationStatus.Failed, run.Status);
        Assert.StartsWith("Access denied for cloudwatch:GetMetricData", run.Message, StringComparison.Ordinal);
        var findings = await db.InstanceFindings.Where(f => f.AccountId == accountId).ToListAsync();
        Assert.Equal(Fleet.Order(StringComparer.Ordinal), findings.Select(f => f.InstanceId).Order(StringComparer.Ordinal));
        Assert.All(findings, f => Assert.Equal((InstanceFindingKind.NotEnoughData, run.Message), (f.Kind, f.Message)));
        Assert.False(await db.Recommendations.AnyAsync(r => r.AccountId == accountId && r.Resource == ResourceKind.Instance));
        var summary = await app.Services.GetRequiredService<RecommendationService>().GetSummaryAsync(
            new CostPilot.Infrastructure.Identity.Caller((await db.Accounts.SingleAsync(a => a.Id == accountId)).OwnerId, new HashSet<string>()), accountId);
        Assert.Equal((UtilizationStatus.Failed, run.Message), (summary.Value!.Utilization.Status, summary.Value.Utilization.Message));
    }

    [Fact]
    public async Task RunAsync_ThrottledEverywhere_FailedAndRetriedByHangfire()
    {
        var (customer, accountId, _) = await ScannedAsync();
        for (var i = 0; i < 10; i++)
        {
            app.Fake.FailNext(customer.AccountId, "us-east-1", "GetMetricData", FakeFault.Throttle);
        }

        var failure = await Assert.ThrowsAsync<CostPilot.Infrastructure.Jobs.TransientJobException>(() => CollectAsync(accountId));

        Assert.Contains("could not reach CloudWatch", failure.Message, StringComparison.Ordinal);
        await using var db = await app.CreateDbContextAsync();
        var run = await db.UtilizationRuns.SingleAsync(r => r.AccountId == accountId);
        Assert.Equal(UtilizationStatus.Failed, run.Status);
        Assert.Contains("throttl", run.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RunAsync_ThrottledOnce_RetriedAndComplete()
    {
        var (customer, accountId, _) = await ScannedAsync();
        app.Fake.FailNext(customer.AccountId, "us-east-1", "GetMetricData", FakeFault.Throttle);

        await CollectAsync(accountId);

        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(UtilizationStatus.Collected, (await db.UtilizationRuns.SingleAsync(r => r.AccountId == accountId)).Status);
        Assert.Equal(3, await db.InstanceUtilization.CountAsync(u => u.AccountId == accountId));
    }
}
