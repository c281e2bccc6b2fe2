using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

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
        var result = await TestUsers.WithScopeAsync<AccountService, ConnectResult>(_app.Services, s => s.ConnectSandboxAsync(caller));
        Assert.True(result.Succeeded, result.Error);
        return (caller, result.AccountId!.Value);
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
        Assert.True(await db.Instances.AnyAsync(i => i.AccountId == accountId && i.State == "stopped"));
        Assert.True(await db.Volumes.CountAsync(v => v.AccountId == accountId && v.AttachedInstanceId == null) > 0);
        Assert.True(await db.Addresses.CountAsync(a => a.AccountId == accountId && a.AssociationId == null) > 0);
        var tagged = await db.Instances.FirstAsync(i => i.AccountId == accountId);
        Assert.Contains("Environment", tagged.Tags.Keys);
        Assert.Equal(tagged.Tags["Name"], tagged.Name);
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

        var second = await TestUsers.WithScopeAsync<AccountService, ConnectResult>(_app.Services, s => s.ConnectSandboxAsync(caller));

        Assert.False(second.Succeeded);
        Assert.Equal("You already have the sample account.", second.Error);
    }

    [Fact]
    public async Task QueryInstances_FiltersSortsAndPagesOnTheServer()
    {
        var (caller, accountId) = await ConnectSampleAsync();
        await RunJobAsync(accountId);

        var page = await TestUsers.WithScopeAsync<AccountService, InstancePage>(_app.Services, s => s.QueryInstancesAsync(caller, accountId,
            new InstanceQuery(Region: "us-east-1", State: "running", SortBy: InstanceSort.InstanceId, Skip: 0, Take: 25)));
        var arm = await TestUsers.WithScopeAsync<AccountService, InstancePage>(_app.Services, s => s.QueryInstancesAsync(caller, accountId,
            new InstanceQuery(InstanceType: "t4g", Take: 100)));
        var byTag = await TestUsers.WithScopeAsync<AccountService, InstancePage>(_app.Services, s => s.QueryInstancesAsync(caller, accountId,
            new InstanceQuery(Text: "payments", Take: 500)));

        Assert.Equal(25, page.Rows.Count);
        Assert.True(page.Total > 25);
        Assert.All(page.Rows, r => Assert.Equal(("us-east-1", "running"), (r.Region, r.State)));
        Assert.Equal(page.Rows.Select(r => r.InstanceId).Order(StringComparer.Ordinal), page.Rows.Select(r => r.InstanceId));
        Assert.NotEmpty(arm.Rows);
        Assert.All(arm.Rows, r => Assert.StartsWith("t4g.", r.InstanceType, StringComparison.Ordinal));
        Assert.NotEmpty(byTag.Rows);
        Assert.All(byTag.Rows, r => Assert.Contains(r.Tags.Values, v => v.Contains("payments", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task QueryInstances_AnotherUsersAccount_Forbidden()
    {
        var (_, accountId) = await ConnectSampleAsync();
        var stranger = await TestUsers.CreateCallerAsync(_app.Services);

        await Assert.ThrowsAsync<ForbiddenException>(() => TestUsers.WithScopeAsync<AccountService, InstancePage>(_app.Services,
            s => s.QueryInstancesAsync(stranger, accountId, new InstanceQuery())));
        Assert.Null(await TestUsers.WithScopeAsync<AccountService, AccountDetail?>(_app.Services, s => s.GetAsync(stranger, accountId)));
        Assert.False(await TestUsers.WithScopeAsync<AccountService, bool>(_app.Services, s => s.RemoveAsync(stranger, accountId)));
        Assert.Equal(RescanOutcome.NotFound, (await TestUsers.WithScopeAsync<AccountService, RescanResult>(_app.Services, s => s.RescanAsync(stranger, accountId))).Outcome);
    }

    [Fact]
    public async Task Remove_DeletesInstancesVolumesAndAddresses()
    {
        var (caller, accountId) = await ConnectSampleAsync();
        await RunJobAsync(accountId);

        Assert.True(await TestUsers.WithScopeAsync<AccountService, bool>(_app.Services, s => s.RemoveAsync(caller, accountId)));

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
        await TestUsers.WithScopeAsync<AccountService, bool>(_app.Services, s => s.RemoveAsync(caller, accountId));

        await RunJobAsync(accountId);

        await using var db = await _app.CreateDbContextAsync();
        Assert.Equal(0, await db.Instances.CountAsync(i => i.AccountId == accountId));
    }
}
