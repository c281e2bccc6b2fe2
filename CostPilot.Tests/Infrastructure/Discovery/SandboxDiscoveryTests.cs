using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Sandbox;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Infrastructure.Discovery;

/// <summary>The sample account through the real discovery job and PostgreSQL (no job server: the test runs the job).</summary>
public sealed class SandboxDiscoveryTests : IClassFixture<SandboxDiscoveryTests.App>
{
    public sealed class App : CostPilotAppFactory
    {
        public App()
        {
            Settings["CostPilot:Jobs:Server"] = "false";
            Settings["CostPilot:Sandbox:PageDelayMs"] = "0";
        }
    }

    private readonly App _app;

    public SandboxDiscoveryTests(App app) => _app = app;

    private async Task<(Caller Caller, Guid AccountId)> ConnectSampleAsync()
    {
        var caller = await TestUsers.CreateCallerAsync(_app.Services);
        var result = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(_app.Services, s => s.ConnectSandboxAsync(caller));
        Assert.True(result.Succeeded, result.Error?.Message);
        return (caller, result.Value);
    }

    private Task RunJobAsync(Guid accountId) =>
        _app.Services.GetRequiredService<DiscoveryJob>().RunAsync(accountId, "test", CancellationToken.None);

    [Fact]
    public async Task RunAsync_SampleAccount_ActiveWithTheWholeFleet()
    {
        var (_, accountId) = await ConnectSampleAsync();

        await RunJobAsync(accountId);

        await using var db = await _app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal(AccountStatus.Active, account.Status);
        Assert.Null(account.StatusMessage);
        Assert.NotNull(account.LastDiscoveryAt);
        Assert.Equal(326, await db.Instances.CountAsync(i => i.AccountId == accountId));
        Assert.Equal(5, await db.Instances.Where(i => i.AccountId == accountId).Select(i => i.Region).Distinct().CountAsync());
        Assert.True(await db.Instances.AnyAsync(i => i.AccountId == accountId && i.Architecture == "arm64"));
        Assert.True(await db.Instances.AnyAsync(i => i.AccountId == accountId && i.State == InstanceState.Stopped));
        Assert.True(await db.Volumes.CountAsync(v => v.AccountId == accountId && v.AttachedInstanceId == null) > 0);
        Assert.True(await db.Addresses.CountAsync(a => a.AccountId == accountId && a.AssociationId == null) > 0);
        var tagged = await db.Instances.FirstAsync(i => i.AccountId == accountId);
        Assert.Contains("Environment", tagged.Tags.Keys);
        Assert.Equal(tagged.Tags["Name"], tagged.Name);
    }

    [Fact]
    public async Task RunAsync_AfterAnExperiment_ShowsTheNewTypeAtItsPrice()
    {
        var (_, accountId) = await ConnectSampleAsync();
        await RunJobAsync(accountId);
        await using var db = await _app.CreateDbContextAsync();
        var before = await db.Instances
            .Where(i => i.AccountId == accountId && i.Region == "us-east-1" && i.State == InstanceState.Running && i.Lifecycle == "on-demand"
                && i.Platform == "linux" && i.Architecture == "x86_64")
            .OrderBy(i => i.InstanceId).FirstAsync();
        var (id, original) = (before.InstanceId, before.InstanceType.Value);
        const string newType = "m6g.large";
        // The experiment ran an hour ago on its own clock: by the scan's (real) time, every transition is over.
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddHours(-1));
        var actions = new SandboxInstanceActions(_app.Services.GetRequiredService<IDbContextFactory<CostPilotDbContext>>(), InstanceTypeCatalog.Default,
            new SandboxActionOptions { FailureRate = 0 }, clock, () => 0.5, accountId, "us-east-1");
        await actions.TagOriginalTypeAsync(id, original, CancellationToken.None);
        await actions.StopAsync(id, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));
        await actions.ModifyInstanceTypeAsync(id, newType, CancellationToken.None);
        await actions.StartAsync(id, CancellationToken.None);

        await RunJobAsync(accountId);

        db.ChangeTracker.Clear();
        var after = await db.Instances.SingleAsync(i => i.AccountId == accountId && i.InstanceId == id);
        var hourly = _app.Services.GetRequiredService<IPriceCatalog>().InstanceHourly("us-east-1", newType, InstanceOs.Linux, Tenancy.Shared);
        Assert.NotEqual(newType, original);
        Assert.Equal((newType, InstanceState.Running, "arm64", (DateTimeOffset?)null),
            (after.InstanceType.Value, after.State, after.Architecture, after.StateChangedAt));
        Assert.Equal(original, after.Tags[InstanceActions.OriginalTypeTag]);
        Assert.NotNull(hourly);
        Assert.Equal(hourly, after.HourlyUsd);
        Assert.NotEqual(before.HourlyUsd, after.HourlyUsd);
        Assert.Equal(326, await db.Instances.CountAsync(i => i.AccountId == accountId && i.GoneAt == null));
    }

    [Fact]
    public async Task RunAsync_Twice_IsIdempotent()
    {
        var (_, accountId) = await ConnectSampleAsync();
        await RunJobAsync(accountId);
        await using var db = await _app.CreateDbContextAsync();
        var firstSeen = await db.Instances.Where(i => i.AccountId == accountId).ToDictionaryAsync(i => i.InstanceId, i => i.FirstSeenAt);

        await RunJobAsync(accountId);

        db.ChangeTracker.Clear();
        var after = await db.Instances.Where(i => i.AccountId == accountId).ToListAsync();
        Assert.Equal(firstSeen.Count, after.Count);
        Assert.All(after, i => Assert.Equal(firstSeen[i.InstanceId], i.FirstSeenAt));
        Assert.All(after, i => Assert.Null(i.GoneAt));
        Assert.Equal(AccountStatus.Active, (await db.Accounts.SingleAsync(a => a.Id == accountId)).Status);
    }

    [Fact]
    public async Task ConnectSandbox_SecondTime_RefusedWithMessage()
    {
        var (caller, _) = await ConnectSampleAsync();

        var second = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(_app.Services, s => s.ConnectSandboxAsync(caller));

        Assert.False(second.Succeeded);
        Assert.Equal("You already have the sample account.", second.Error?.Message);
    }

    [Fact]
    public async Task QueryInstances_FiltersSortsAndPagesOnTheServer()
    {
        var (caller, accountId) = await ConnectSampleAsync();
        await RunJobAsync(accountId);

        var page = await TestUsers.WithScopeAsync<InventoryQueryService, Result<InstancePage>>(_app.Services, s => s.QueryInstancesAsync(caller, accountId,
            new InstanceQuery(Region: "us-east-1", State: InstanceState.Running, SortBy: InstanceSort.InstanceId, Skip: 0, Take: 25)));
        Assert.True(page.Succeeded);
        var arm = await TestUsers.WithScopeAsync<InventoryQueryService, Result<InstancePage>>(_app.Services, s => s.QueryInstancesAsync(caller, accountId,
            new InstanceQuery(InstanceType: "t4g", Take: 100)));
        Assert.True(arm.Succeeded);
        var byTag = await TestUsers.WithScopeAsync<InventoryQueryService, Result<InstancePage>>(_app.Services, s => s.QueryInstancesAsync(caller, accountId,
            new InstanceQuery(Text: "payments", Take: 500)));
        Assert.True(byTag.Succeeded);

        Assert.Equal(25, page.Value.Rows.Count);
        Assert.True(page.Value.Total > 25);
        Assert.All(page.Value.Rows, r => Assert.Equal(("us-east-1", InstanceState.Running), (r.Region, r.State)));
        Assert.Equal(page.Value.Rows.Select(r => r.InstanceId).Order(StringComparer.Ordinal), page.Value.Rows.Select(r => r.InstanceId));
        Assert.NotEmpty(arm.Value.Rows);
        Assert.All(arm.Value.Rows, r => Assert.Equal("t4g", r.InstanceType.Family));
        Assert.NotEmpty(byTag.Value.Rows);
        Assert.All(byTag.Value.Rows, r => Assert.Contains(r.Tags.Values, v => v.Contains("payments", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnotherUsersAccount_NotFoundEverywhere()
    {
        var (_, accountId) = await ConnectSampleAsync();
        var stranger = await TestUsers.CreateCallerAsync(_app.Services);

        var query = await TestUsers.WithScopeAsync<InventoryQueryService, Result<InstancePage>>(_app.Services,
            s => s.QueryInstancesAsync(stranger, accountId, new InstanceQuery()));
        var detail = await TestUsers.WithScopeAsync<InventoryQueryService, Result<AccountDetail>>(_app.Services, s => s.GetAccountAsync(stranger, accountId));
        var costs = await TestUsers.WithScopeAsync<InventoryQueryService, Result<AccountCosts>>(_app.Services, s => s.GetCostsAsync(stranger, accountId));
        var removed = await TestUsers.WithScopeAsync<AccountService, Result>(_app.Services, s => s.RemoveAsync(stranger, accountId));
        var rescanned = await TestUsers.WithScopeAsync<AccountService, Result>(_app.Services, s => s.RescanAsync(stranger, accountId));

        Assert.All([query.Error, detail.Error, costs.Error, removed.Error, rescanned.Error], e => Assert.Equal(ErrorKind.NotFound, e?.Kind));
    }

    [Fact]
    public async Task Remove_DeletesInstancesVolumesAndAddresses()
    {
        var (caller, accountId) = await ConnectSampleAsync();
        await RunJobAsync(accountId);

        Assert.True((await TestUsers.WithScopeAsync<AccountService, Result>(_app.Services, s => s.RemoveAsync(caller, accountId))).Succeeded);

        await using var db = await _app.CreateDbContextAsync();
        Assert.False(await db.Accounts.AnyAsync(a => a.Id == accountId));
        Assert.Equal(0, await db.Instances.CountAsync(i => i.AccountId == accountId));
        Assert.Equal(0, await db.Volumes.CountAsync(v => v.AccountId == accountId));
        Assert.Equal(0, await db.Addresses.CountAsync(a => a.AccountId == accountId));
    }

    [Fact]
    public async Task RunAsync_AccountRemovedMeanwhile_ReturnsQuietly()
    {
        var (caller, accountId) = await ConnectSampleAsync();
        await TestUsers.WithScopeAsync<AccountService, Result>(_app.Services, s => s.RemoveAsync(caller, accountId));

        await RunJobAsync(accountId);

        await using var db = await _app.CreateDbContextAsync();
        Assert.Equal(0, await db.Instances.CountAsync(i => i.AccountId == accountId));
    }
}
