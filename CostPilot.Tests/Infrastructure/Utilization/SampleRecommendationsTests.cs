using CostPilot.Domain.Inventory;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Infrastructure.Sandbox;
using CostPilot.Infrastructure.Utilization;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Utilization;

/// <summary>
/// The sample account end to end on a real PostgreSQL: discovery, then the utilization job (simulated CloudWatch), then the
/// stored recommendations the pages read. No job server: the test runs the jobs.
/// </summary>
public sealed class SampleRecommendationsTests : IClassFixture<SampleRecommendationsTests.App>
{
    public sealed class App : CostPilotAppFactory
    {
        public App()
        {
            Settings["CostPilot:Jobs:Server"] = "false";
            Settings["CostPilot:Sandbox:PageDelayMs"] = "0";
            // Tests read the same account twice in a row; the default would re-evaluate without reading again.
            Settings["CostPilot:Utilization:MinInterval"] = "00:00:00";
        }
    }

    private readonly App _app;

    public SampleRecommendationsTests(App app) => _app = app;

    private async Task<(Caller Caller, Guid AccountId)> ScannedSampleAsync()
    {
        var caller = await TestUsers.CreateCallerAsync(_app.Services);
        var result = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(_app.Services, s => s.ConnectSandboxAsync(caller));
        Assert.True(result.Succeeded, result.Error?.Message);
        await _app.Services.GetRequiredService<DiscoveryJob>().RunAsync(result.Value, "test", CancellationToken.None);
        return (caller, result.Value);
    }

    private Task CollectAsync(Guid accountId) =>
        _app.Services.GetRequiredService<UtilizationJob>().RunAsync(accountId, "test", CancellationToken.None);

    private RecommendationService Recommendations => _app.Services.GetRequiredService<RecommendationService>();

    [Fact]
    public async Task RunAsync_SampleAccount_EveryRunningInstanceReadAndEveryKindRecommended()
    {
        var (caller, accountId) = await ScannedSampleAsync();
        using var events = new AccountEventLog(_app.Services, caller.UserId);

        await CollectAsync(accountId);

        await using var db = await _app.CreateDbContextAsync();
        var running = await db.Instances.Where(i => i.AccountId == accountId && i.GoneAt == null && i.State == InstanceState.Running)
            .Select(i => i.InstanceId).ToListAsync();
        var stored = await db.InstanceUtilization.Where(u => u.AccountId == accountId).ToListAsync();
        Assert.Equal(running.Order(StringComparer.Ordinal), stored.Select(u => u.InstanceId).Order(StringComparer.Ordinal));
        Assert.All(stored, u => Assert.Equal(UtilizationSeries.WindowHours, u.CpuAverage.Length));
        var run = await db.UtilizationRuns.SingleAsync(r => r.AccountId == accountId);
        Assert.Equal(UtilizationStatus.Collected, run.Status);
        Assert.Null(run.Message);
        Assert.Equal(running.Count, run.InstancesAsked);
        Assert.Equal(stored.Count(u => u.HourlyPoints >= 72), run.InstancesWithData);
        Assert.True(run.InstancesWithData < run.InstancesAsked, "the sample has new instances and instances without data");

        var kinds = await db.Recommendations.Where(r => r.AccountId == accountId).Select(r => r.Kind).Distinct().ToListAsync();
        Assert.Equal(RecommendationKinds.All.Order(), kinds.Order());
        var findings = await db.InstanceFindings.Where(f => f.AccountId == accountId).ToListAsync();
        Assert.Contains(findings, f => f.Kind == InstanceFindingKind.NotEnoughData);
        Assert.Contains(findings, f => f.Kind == InstanceFindingKind.UnderProvisioned);
        // Every running instance with too little data is said to be so, and those are exactly the sample's new and silent ones.
        var silent = running.Where(id => SandboxUtilizationSource.ProfileOf(id) is SandboxUtilizationSource.Profile.New or SandboxUtilizationSource.Profile.NoData);
        Assert.Equal(silent.Order(StringComparer.Ordinal),
            findings.Where(f => f.Kind == InstanceFindingKind.NotEnoughData).Select(f => f.InstanceId).Order(StringComparer.Ordinal));

        // Live: the pages heard it start, progress and end.
        await Eventually.WaitForAsync(() => Task.FromResult(events.Events.Any(e => e.AccountId == accountId && e.Utilization?.Status == UtilizationStatus.Collected)),
            heard => heard, TimeSpan.FromSeconds(30), "the Collected event");
        var utilization = events.Events.Where(e => e.AccountId == accountId && e.Utilization is not null).Select(e => e.Utilization!).ToList();
        Assert.Equal(UtilizationStatus.Collecting, utilization[0].Status);
        Assert.Equal((running.Count, running.Count), (utilization[^1].InstancesDone, utilization[^1].InstancesTotal));
    }

    [Fact]
    public async Task GetSummaryAsync_AfterCollection_TotalIsTheSumOfTheRowsAndOfTheKinds()
    {
        var (caller, accountId) = await ScannedSampleAsync();
        await CollectAsync(accountId);

        var summary = (await Recommendations.GetSummaryAsync(caller, accountId)).Value!;
        var page = (await Recommendations.QueryAsync(caller, accountId, new RecommendationQuery(Take: 500))).Value!;

        Assert.Equal(page.Total, summary.Recommendations);
        Assert.Equal(page.Rows.Sum(r => r.MonthlySaving ?? 0m), summary.MonthlySaving);
        Assert.Equal(summary.ByKind.Sum(k => k.MonthlySaving), summary.MonthlySaving);
        Assert.True(summary.MonthlySaving > 0m);
        // Largest saving first; unknown savings (if any) last.
        var savings = page.Rows.Select(r => r.MonthlySaving ?? -1m).ToList();
        Assert.Equal(savings.OrderDescending(), savings);
        Assert.All(page.Rows, r => Assert.Equal(r.MonthlyCostBefore - r.MonthlyCostAfter, r.MonthlySaving));
        Assert.Equal(summary.MonthlySaving, (await Recommendations.GetOverviewAsync(caller)).MonthlySaving);
    }

    [Fact]
    public async Task RunAsync_Twice_SameRowsNoDuplicates()
    {
        var (_, accountId) = await ScannedSampleAsync();
        await CollectAsync(accountId);
        await using var db = await _app.CreateDbContextAsync();
        var first = await db.Recommendations.Where(r => r.AccountId == accountId)
            .Select(r => new { r.Kind, r.ResourceId, r.MonthlySaving }).ToListAsync();

        await CollectAsync(accountId);

        var second = await db.Recommendations.Where(r => r.AccountId == accountId)
            .Select(r => new { r.Kind, r.ResourceId, r.MonthlySaving }).ToListAsync();
        Assert.Equal(first.OrderBy(r => r.ResourceId, StringComparer.Ordinal), second.OrderBy(r => r.ResourceId, StringComparer.Ordinal));
        Assert.Equal(await db.InstanceUtilization.CountAsync(u => u.AccountId == accountId),
            await db.InstanceUtilization.Where(u => u.AccountId == accountId).Select(u => u.InstanceId).Distinct().CountAsync());
    }

    [Fact]
    public async Task RunAsync_InstanceNoLongerRunning_ItsSeriesIsDropped()
    {
        var (_, accountId) = await ScannedSampleAsync();
        await CollectAsync(accountId);
        await using var db = await _app.CreateDbContextAsync();
        var stopped = await db.InstanceUtilization.Where(u => u.AccountId == accountId).Select(u => u.InstanceId).FirstAsync();
        await db.Database.ExecuteSqlAsync($"UPDATE instances SET state = 'stopped' WHERE account_id = {accountId} AND instance_id = {stopped}");

        await CollectAsync(accountId);

        Assert.False(await db.InstanceUtilization.AnyAsync(u => u.AccountId == accountId && u.InstanceId == stopped));
        Assert.False(await db.InstanceFindings.AnyAsync(f => f.AccountId == accountId && f.InstanceId == stopped));
    }

    [Fact]
    public async Task RefreshAsync_BeforeAnyCollection_VolumesAndAddressesAdvisedAndInstancesWaitForData()
    {
        var (caller, accountId) = await ScannedSampleAsync();

        Assert.True(await Recommendations.RefreshAsync(accountId, CancellationToken.None));

        var page = (await Recommendations.QueryAsync(caller, accountId, new RecommendationQuery(Take: 500))).Value!;
        Assert.Contains(page.Rows, r => r.Kind == RecommendationKind.UnattachedVolume);
        Assert.Contains(page.Rows, r => r.Kind == RecommendationKind.IdleAddress);
        Assert.DoesNotContain(page.Rows, r => r.Kind is RecommendationKind.Idle or RecommendationKind.Rightsize);
        await using var db = await _app.CreateDbContextAsync();
        var findings = await db.InstanceFindings.Where(f => f.AccountId == accountId).ToListAsync();
        Assert.NotEmpty(findings);
        Assert.All(findings, f => Assert.Equal(RecommendationService.NotCollectedYet, f.Message));
    }

    [Fact]
    public async Task Reads_AnotherUsersAccount_NotFoundAndNothingShown()
    {
        var (_, accountId) = await ScannedSampleAsync();
        await CollectAsync(accountId);
        var stranger = await TestUsers.CreateCallerAsync(_app.Services);

        Assert.Equal(ErrorKind.NotFound, (await Recommendations.GetSummaryAsync(stranger, accountId)).Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, (await Recommendations.QueryAsync(stranger, accountId, new RecommendationQuery())).Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, (await Recommendations.GetAdviceAsync(stranger, accountId, ["i-anything"])).Error?.Kind);
        Assert.Empty(await Recommendations.StreamAsync(stranger, accountId, new RecommendationQuery()).ToListAsync());
        Assert.Equal(0m, (await Recommendations.GetOverviewAsync(stranger)).MonthlySaving);
    }

    [Fact]
    public async Task GetUtilizationAsync_RunningInstance_Its336HoursWithGapsAsNulls()
    {
        var (caller, accountId) = await ScannedSampleAsync();
        await CollectAsync(accountId);
        await using var db = await _app.CreateDbContextAsync();
        var fresh = await db.InstanceUtilization.Where(u => u.AccountId == accountId && u.HourlyPoints == 48).Select(u => u.InstanceId).FirstAsync();

        var detail = (await Recommendations.GetUtilizationAsync(caller, accountId, fresh)).Value!;

        Assert.Equal(UtilizationSeries.WindowHours, detail.CpuAverage.Count);
        Assert.Equal(48, detail.CpuAverage.Count(v => v is not null));
        Assert.All(detail.CpuAverage.Take(UtilizationSeries.WindowHours - 48), v => Assert.Null(v));
        Assert.Equal(48, detail.Summary.HourlyPoints);
    }
}
