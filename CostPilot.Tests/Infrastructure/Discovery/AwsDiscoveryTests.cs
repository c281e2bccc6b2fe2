using System.Threading.Channels;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Discovery;

/// <summary>The discovery job through the real AWS SDK against the fake AWS, into PostgreSQL (no job server: the test runs the job).</summary>
public sealed class AwsDiscoveryTests(FakeAwsAppFactory app) : IClassFixture<FakeAwsAppFactory>
{
    private const string DeniedSuffix = ": an IAM policy or a service control policy blocks it.";

    private static readonly Dictionary<string, string> HostileTags = new()
    {
        ["Name"] = "<script>alert('pwned')</script> & \"web\"",
        ["Owner"] = "O'Brien & \"Sons\" <ops@example.com>",
        ["cdata"] = "]]><![CDATA[x]]>",
        ["a&b<c>\"'"] = "key with markup",
        ["json"] = "{\"a\": [1, \"\\u0041\"]} \\ backslash",
        ["unicode"] = "ünïcødé 日本語 🚀",
        ["newlines"] = "line1\r\nline2\tend",
        ["empty"] = "",
        ["padded"] = "  padded  ",
    };

    [Fact]
    public async Task RunAsync_2500InstancesInARegion_ThreePagesOf1000AllStoredWithEveryField()
    {
        var customer = app.AddCustomer();
        var fleet = Instances("pg", 2500).ToList();
        customer.Account.Region("us-east-1").AddInstances(fleet);
        var (_, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        var pages = Requests(customer, "DescribeInstances", "us-east-1");
        Assert.Equal(3, pages.Count);
        Assert.All(pages, r => Assert.Equal((1000, 200), (r.MaxResults, r.StatusCode)));
        Assert.Equal([false, true, true], pages.Select(r => r.NextToken is not null));
        await using var db = await app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal((AccountStatus.Active, (string?)null), (account.Status, account.StatusMessage));
        Assert.NotNull(account.LastDiscoveryAt);
        var stored = await db.Instances.Where(i => i.AccountId == accountId).ToDictionaryAsync(i => i.InstanceId);
        Assert.Equal(fleet.Select(i => i.InstanceId).Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        foreach (var want in fleet)
        {
            var got = stored[want.InstanceId];
            Assert.Equal(
                ("us-east-1", want.InstanceType, want.State, want.AvailabilityZone ?? "us-east-1a", want.Platform ?? "linux", want.Architecture, want.Lifecycle ?? "on-demand"),
                (got.Region, got.InstanceType.Value, got.State.Value, got.AvailabilityZone, got.Platform, got.Architecture, got.Lifecycle));
            Assert.Equal(want.LaunchTime, got.LaunchTime);
            Assert.Equal(want.Tags, got.Tags);
            Assert.Equal(want.Tags.GetValueOrDefault("Name"), got.Name);
            Assert.Null(got.GoneAt);
        }
    }

    [Fact]
    public async Task RunAsync_FourEnabledRegionsAndADisabledOne_ScansTheEnabledOnesThroughTheRole()
    {
        var customer = app.AddCustomer();
        string[] enabled = ["af-south-1", "ap-southeast-2", "eu-west-1", "us-east-1"];
        foreach (var region in enabled)
        {
            customer.Account.Region(region).AddInstances(Instances(region[..2] + region[^1], 3));
        }
        customer.Account.Region("ap-east-1", enabled: false).AddInstances(Instances("dis", 3));
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var connect = await app.ConnectRoleAsync(caller, customer.Account.AddRole("CostPilotReadOnly", await app.ExternalIdAsync(caller)));
        Assert.True(connect.Succeeded, connect.Error?.Message);

        await app.RunDiscoveryAsync(connect.Value);

        await using var db = await app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == connect.Value);
        Assert.Equal((AccountStatus.Active, (string?)null), (account.Status, account.StatusMessage));
        var perRegion = await db.Instances.Where(i => i.AccountId == account.Id).GroupBy(i => i.Region)
            .Select(g => new { Region = g.Key, Count = g.Count() }).ToListAsync();
        Assert.Equal(enabled.Select(r => (r, 3)), perRegion.OrderBy(r => r.Region, StringComparer.Ordinal).Select(r => (r.Region, r.Count)));
        var ec2 = app.Fake.Requests.Where(r => r.Service == "ec2" && r.AccountId == customer.AccountId).ToList();
        Assert.Single(ec2, r => r.Action == "DescribeRegions");
        Assert.DoesNotContain(ec2, r => r.Region == "ap-east-1");
        Assert.All(enabled, region => Assert.Equal(
            ["DescribeAddresses", "DescribeInstances", "DescribeVolumes"],
            ec2.Where(r => r.Region == region && r.Action != "DescribeRegions").Select(r => r.Action).Order(StringComparer.Ordinal)));
        Assert.All(ec2, r => Assert.Equal(200, r.StatusCode));
    }

    [Fact]
    public async Task RunAsync_Again_KnownRegionsStartBeforeTheRegionListAnswers()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(Instances("kr", 3));
        customer.Account.Region("eu-west-1").AddInstances(Instances("ke", 2));
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        var requestsBefore = app.Fake.Requests.Count;
        app.Fake.TimeoutDelay = TimeSpan.FromSeconds(3);
        app.Fake.FailNext(customer.AccountId, "us-east-1", "DescribeRegions", FakeFault.Timeout); // held 3 s, then answered

        await app.RunDiscoveryAsync(accountId);

        var second = app.Fake.Requests.Skip(requestsBefore).Where(r => r.AccountId == customer.AccountId).Select(r => r.Action).ToList();
        // Requests are listed as they complete: both regions' instances came in while the region list was held.
        Assert.Equal(2, second.IndexOf("DescribeRegions") is var at and >= 0 ? second.Take(at).Count(a => a == "DescribeInstances") : -1);
        await using var db = await app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal((AccountStatus.Active, (string?)null), (account.Status, account.StatusMessage));
        Assert.Equal(["eu-west-1", "us-east-1"], account.EnabledRegions);
    }

    [Fact]
    public async Task RunAsync_RegionDisabledAndAnotherEnabledSinceLastRun_FollowsTheNewList()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(Instances("rd", 3));
        var leaving = customer.Account.Region("eu-west-1").AddInstances(Instances("rl", 2));
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        leaving.Enabled = false;
        customer.Account.Region("ap-southeast-2").AddInstances(Instances("rn", 4));
        var events = Channel.CreateUnbounded<AccountEvent>();
        using var subscription = app.Services.GetRequiredService<AccountEventHub>().Subscribe(caller.UserId, e => events.Writer.WriteAsync(e).AsTask());
        // The region list comes late, so the scan of the region no longer enabled fails before the list says it is gone.
        app.Fake.TimeoutDelay = TimeSpan.FromSeconds(3);
        app.Fake.FailNext(customer.AccountId, "us-east-1", "DescribeRegions", FakeFault.Timeout);
        var secondRun = DateTimeOffset.UtcNow;

        await app.RunDiscoveryAsync(accountId);

        await using var db = await app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal((AccountStatus.Active, (string?)null), (account.Status, account.StatusMessage));
        Assert.Equal(["ap-southeast-2", "us-east-1"], account.EnabledRegions);
        Assert.Equal(4, await db.Instances.CountAsync(i => i.AccountId == accountId && i.Region == "ap-southeast-2" && i.GoneAt == null));
        Assert.Equal(3, await db.Instances.CountAsync(i => i.AccountId == accountId && i.Region == "us-east-1" && i.GoneAt == null));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        AccountEvent final;
        do
        {
            final = await events.Reader.ReadAsync(deadline.Token);
        }
        // The first run's last events may still be on their way through NOTIFY.
        while (final.Status != AccountStatus.Active || final.At < secondRun);
        Assert.Equal((2, 2, 7), (final.RegionsDone, final.RegionsTotal, final.InstancesFound));
    }

    [Fact]
    public async Task RunAsync_Twice_SameRowsKeptNoneRewrittenAndLastSeenAdvancedByRegion()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(Instances("tw", 1200))
            .AddVolumes([new FakeVolume("vol-0tw0000000000001")]).AddAddresses([new FakeAddress("eipalloc-0tw0000000000001", "198.51.100.7")]);
        customer.Account.Region("eu-west-1").AddInstances(Instances("te", 10));
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        var first = await InstancesAsync(accountId);
        var versionsBefore = await RowVersionsAsync(accountId);
        var scansBefore = await RegionScansAsync(accountId);

        await app.RunDiscoveryAsync(accountId);

        var second = await InstancesAsync(accountId);
        // Nothing changed in AWS, so no row was written: each keeps the transaction id that wrote it.
        Assert.Equal(versionsBefore, await RowVersionsAsync(accountId));
        Assert.Equal(1210, first.Count);
        Assert.Equal(first.Keys.Order(StringComparer.Ordinal), second.Keys.Order(StringComparer.Ordinal));
        Assert.All(second, pair =>
        {
            var before = first[pair.Key];
            var after = pair.Value;
            Assert.Equal(before.Id, after.Id);
            Assert.Equal(before.FirstSeenAt, after.FirstSeenAt);
            Assert.Equal(before.LastSeenAt, after.LastSeenAt);
            Assert.Null(after.GoneAt);
            Assert.Equal((before.InstanceType, before.State, before.Name), (after.InstanceType, after.State, after.Name));
            Assert.Equal(before.Tags, after.Tags);
        });
        // Each region's scan advanced instead, and the read model dates every live instance by it.
        var scansAfter = await RegionScansAsync(accountId);
        Assert.Equal(["eu-west-1", "us-east-1"], scansAfter.Keys.Order(StringComparer.Ordinal));
        Assert.All(scansAfter, scan => Assert.True(scan.Value > scansBefore[scan.Key]));
        var rows = (await QueryAsync(caller, accountId, new InstanceQuery(Take: 500))).Rows;
        Assert.Equal(500, rows.Count);
        Assert.All(rows, r => Assert.Equal(scansAfter[r.Region], r.LastSeenAt));
        var detail = (await TestUsers.WithScopeAsync<InventoryQueryService, Result<AccountDetail>>(app.Services, s => s.GetAccountAsync(caller, accountId))).Value;
        Assert.Equal(scansAfter.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, (DateTimeOffset?)p.Value)),
            detail!.Regions.OrderBy(r => r.Region, StringComparer.Ordinal).Select(r => (r.Region, r.LastScanAt)));
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.Volumes.CountAsync(v => v.AccountId == accountId));
        Assert.Equal(1, await db.Addresses.CountAsync(a => a.AccountId == accountId));
        Assert.Equal(AccountStatus.Active, (await db.Accounts.SingleAsync(a => a.Id == accountId)).Status);
    }

    [Fact]
    public async Task RunAsync_InstancesChangeBetweenRuns_EveryChangeStoredTheRestKept()
    {
        var customer = app.AddCustomer();
        var fleet = Instances("ch", 1500).ToList();
        var region = customer.Account.Region("us-east-1").AddInstances(fleet);
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        var first = await InstancesAsync(accountId);
        // One change of each kind, spread over both pages; everything else stays as it was.
        FakeInstance[] changed =
        [
            fleet[3] with { State = "stopped" },
            fleet[4] with { InstanceType = "m7g.large" },
            fleet[1100] with { Tags = new Dictionary<string, string>(fleet[1100].Tags) { ["Team"] = "renamed" } },
            fleet[1101] with { Tags = new Dictionary<string, string>() },
            fleet[1102] with { Lifecycle = "spot", Architecture = "arm64" },
        ];
        foreach (var instance in changed)
        {
            Assert.True(region.RemoveInstance(instance.InstanceId));
        }
        region.AddInstances(changed);

        await app.RunDiscoveryAsync(accountId);

        var second = await InstancesAsync(accountId);
        Assert.Equal(InstanceState.Stopped, second[fleet[3].InstanceId].State);
        Assert.Equal(new InstanceType("m7g.large"), second[fleet[4].InstanceId].InstanceType);
        Assert.Equal("renamed", second[fleet[1100].InstanceId].Tags["Team"]);
        Assert.Empty(second[fleet[1101].InstanceId].Tags);
        Assert.Null(second[fleet[1101].InstanceId].Name);
        Assert.Equal(("spot", "arm64"), (second[fleet[1102].InstanceId].Lifecycle, second[fleet[1102].InstanceId].Architecture));
        var changedIds = changed.Select(c => c.InstanceId).ToHashSet();
        Assert.All(second.Values.Where(i => !changedIds.Contains(i.InstanceId)), after =>
        {
            var before = first[after.InstanceId];
            Assert.Equal((before.InstanceType, before.State, before.Lifecycle, before.Architecture, before.Name), (after.InstanceType, after.State, after.Lifecycle, after.Architecture, after.Name));
            Assert.Equal(before.Tags, after.Tags);
        });
        Assert.All(second.Values, i =>
        {
            Assert.Null(i.GoneAt);
            Assert.Equal(changedIds.Contains(i.InstanceId), i.LastSeenAt > first[i.InstanceId].LastSeenAt);
        });
    }

    [Fact]
    public void ContentHash_EachStoredFieldCounts_TagOrderDoesNot()
    {
        var tags = new Dictionary<string, string> { ["Name"] = "web", ["Team"] = "a" };
        var instance = new DiscoveredInstance("i-1", "m5.large", "running", "us-east-1a", "linux", "x86_64",
            new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), "on-demand", tags);
        var hash = InventoryStore.ContentHash(instance);

        Assert.Equal(hash, InventoryStore.ContentHash(instance with { Tags = new Dictionary<string, string> { ["Team"] = "a", ["Name"] = "web" } }));
        DiscoveredInstance[] variants =
        [
            instance with { InstanceType = "m5.xlarge" }, instance with { State = "stopped" }, instance with { AvailabilityZone = null },
            instance with { AvailabilityZone = "us-east-1b" }, instance with { Platform = "windows" }, instance with { Architecture = "arm64" },
            instance with { LaunchTime = null }, instance with { LaunchTime = instance.LaunchTime!.Value.AddSeconds(1) },
            instance with { Lifecycle = "spot" }, instance with { Tenancy = "dedicated" }, instance with { Platform = "red hat enterprise linux" },
            instance with { Tags = new Dictionary<string, string> { ["Name"] = "web" } },
            instance with { Tags = new Dictionary<string, string> { ["Name"] = "web", ["Team"] = "b" } },
            instance with { Tags = new Dictionary<string, string> { ["Name"] = "web", ["Team"] = "a", [""] = "" } },
            // Separators inside values must not let two different tag sets collide.
            instance with { Tags = new Dictionary<string, string> { ["Name"] = "web\u001eTeam\u001fa" } },
        ];
        Assert.Equal(variants.Length, variants.Select(InventoryStore.ContentHash).Append(hash).Distinct().Count() - 1);
    }

    [Fact]
    public async Task RunAsync_InstanceVanishesThenReturns_GoneAtSetAndHiddenThenCleared()
    {
        var customer = app.AddCustomer();
        var region = customer.Account.Region("us-east-1").AddInstances(Instances("gn", 3));
        customer.Account.Region("eu-west-1").AddInstances(Instances("ge", 2));
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        await app.RunDiscoveryAsync(accountId);
        var vanishing = Instances("gn", 3).ElementAt(1);
        var firstSeen = (await InstancesAsync(accountId))[vanishing.InstanceId].FirstSeenAt;
        var lastScanThatSawIt = (await RegionScansAsync(accountId))["us-east-1"];

        Assert.True(region.RemoveInstance(vanishing.InstanceId));
        await app.RunDiscoveryAsync(accountId);

        var afterRemoval = await InstancesAsync(accountId);
        // Unchanged since the first run, so only the second run's region scan could say when it was last seen.
        Assert.Equal(lastScanThatSawIt, afterRemoval[vanishing.InstanceId].LastSeenAt);
        Assert.True(afterRemoval[vanishing.InstanceId].GoneAt > lastScanThatSawIt);
        Assert.All(afterRemoval.Where(i => i.Key != vanishing.InstanceId), i => Assert.Null(i.Value.GoneAt));
        var visible = await QueryAsync(caller, accountId, new InstanceQuery(Take: 100));
        var all = await QueryAsync(caller, accountId, new InstanceQuery(IncludeGone: true, Take: 100));
        Assert.Equal(4, visible.Total);
        Assert.DoesNotContain(visible.Rows, r => r.InstanceId == vanishing.InstanceId);
        Assert.Equal(5, all.Total);
        var goneRow = Assert.Single(all.Rows, r => r.InstanceId == vanishing.InstanceId);
        Assert.Equal((afterRemoval[vanishing.InstanceId].GoneAt, lastScanThatSawIt), (goneRow.GoneAt, goneRow.LastSeenAt));
        var detail = (await TestUsers.WithScopeAsync<InventoryQueryService, Result<AccountDetail>>(app.Services, s => s.GetAccountAsync(caller, accountId))).Value;
        Assert.Equal(4, detail!.Account.Instances);
        Assert.Equal(2, detail.Regions.Single(r => r.Region == "us-east-1").Total);

        region.AddInstances([vanishing]);
        await app.RunDiscoveryAsync(accountId);

        var back = (await InstancesAsync(accountId))[vanishing.InstanceId];
        Assert.Null(back.GoneAt);
        Assert.Equal(firstSeen, back.FirstSeenAt);
        Assert.Equal(5, (await QueryAsync(caller, accountId, new InstanceQuery(Take: 100))).Total);
    }

    [Fact]
    public async Task RunAsync_RowsStoredWithoutHash_RewrittenWithOneAndTheVanishedMarkedGone()
    {
        var customer = app.AddCustomer();
        var fleet = Instances("nh", 4).ToList();
        var region = customer.Account.Region("us-east-1").AddInstances(fleet);
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        // Rows as a version before content hashes left them.
        Assert.Equal(4, (await app.QueryAsync("UPDATE instances SET content_hash = NULL WHERE account_id = @account RETURNING 1",
            r => r.GetInt32(0), ("account", accountId))).Count);
        Assert.True(region.RemoveInstance(fleet[0].InstanceId));

        await app.RunDiscoveryAsync(accountId);

        var hashes = await app.QueryAsync("SELECT instance_id, content_hash IS NOT NULL, gone_at IS NOT NULL FROM instances WHERE account_id = @account",
            r => (Id: r.GetString(0), Hashed: r.GetBoolean(1), Gone: r.GetBoolean(2)), ("account", accountId));
        Assert.Equal(
            fleet.Select(f => (f.InstanceId, Hashed: f != fleet[0], Gone: f == fleet[0])).OrderBy(r => r.InstanceId, StringComparer.Ordinal),
            hashes.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => (r.Id, r.Hashed, r.Gone)));
    }

    [Fact]
    public async Task RunAsync_AnswerWithValuesNoColumnHolds_ThatRegionFailsWithTheValueNamedAndKeepsWhatWasStored()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(Instances("va", 3));
        var broken = customer.Account.Region("eu-west-1").AddInstances(Instances("vb", 1200))
            .AddVolumes([new FakeVolume("vol-0vb0000000000001")]);
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        var before = await InstancesAsync(accountId);
        // On the second page, after the first was saved: the region's scan is then incomplete, so nothing may be marked gone.
        var last = Instances("vb", 1200).Last();
        Assert.True(broken.RemoveInstance(last.InstanceId));
        broken.AddInstances([last with { InstanceType = new string('x', 40) }]);
        Assert.True(broken.RemoveInstance(Instances("vb", 1200).First().InstanceId));

        await app.RunDiscoveryAsync(accountId);

        await using var db = await app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal(AccountStatus.Active, account.Status);
        Assert.Equal($"1 of 2 regions could not be scanned: eu-west-1: AWS answered for {last.InstanceId} in eu-west-1 with a value CostPilot cannot store: its instance type is 40 characters long (at most 32).",
            account.StatusMessage);
        var after = await InstancesAsync(accountId);
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        Assert.All(after.Values, i => Assert.Null(i.GoneAt));
        Assert.Equal(before[last.InstanceId].InstanceType, after[last.InstanceId].InstanceType);
        Assert.True(await db.Volumes.AnyAsync(v => v.AccountId == accountId && v.VolumeId == "vol-0vb0000000000001"));

        // A volume type no column holds fails the region the same way, before its volumes are replaced.
        broken.RemoveInstance(last.InstanceId);
        broken.AddVolumes([new FakeVolume("vol-0vb0000000000002") { VolumeType = "gp3-but-much-longer" }]);
        await app.RunDiscoveryAsync(accountId);

        db.ChangeTracker.Clear();
        Assert.Equal("1 of 2 regions could not be scanned: eu-west-1: AWS answered for vol-0vb0000000000002 in eu-west-1 with a value CostPilot cannot store: its volume type is 19 characters long (at most 16).",
            (await db.Accounts.SingleAsync(a => a.Id == accountId)).StatusMessage);
        Assert.Equal(["vol-0vb0000000000001"], await db.Volumes.Where(v => v.AccountId == accountId).Select(v => v.VolumeId).ToListAsync());
    }

    [Fact]
    public async Task RunAsync_OneRegionDenied_ActiveWithWarningAndThatRegionKept()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(Instances("ok", 5));
        var denied = customer.Account.Region("eu-west-1").AddInstances(Instances("dn", 5))
            .AddVolumes([new FakeVolume("vol-0dn0000000000001")]);
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        await app.RunDiscoveryAsync(accountId);
        var before = await InstancesAsync(accountId);
        var scansBefore = await RegionScansAsync(accountId);
        // Gone from AWS, but the failed scan of eu-west-1 cannot know that.
        denied.RemoveInstance(Instances("dn", 5).First().InstanceId);
        denied.RemoveVolume("vol-0dn0000000000001");
        var requestsBefore = app.Fake.Requests.Count;
        app.Fake.FailNext(customer.AccountId, "eu-west-1", "DescribeInstances", FakeFault.Unauthorized);

        await app.RunDiscoveryAsync(accountId);

        await using var db = await app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal(AccountStatus.Active, account.Status);
        Assert.Equal($"1 of 2 regions could not be scanned: eu-west-1: Access denied for ec2:DescribeInstances in eu-west-1{DeniedSuffix}", account.StatusMessage);
        var after = await InstancesAsync(accountId);
        Assert.Equal(10, after.Count);
        Assert.All(after.Values, i =>
        {
            Assert.Null(i.GoneAt);
            Assert.Equal(before[i.InstanceId].LastSeenAt, i.LastSeenAt);
        });
        Assert.True(await db.Volumes.AnyAsync(v => v.AccountId == accountId && v.VolumeId == "vol-0dn0000000000001"));
        // Only the complete scan counts as a sighting: eu-west-1's instances were last seen by the first run.
        var scansAfter = await RegionScansAsync(accountId);
        Assert.Equal(scansBefore["eu-west-1"], scansAfter["eu-west-1"]);
        Assert.True(scansAfter["us-east-1"] > scansBefore["us-east-1"]);
        // UnauthorizedOperation is not retried: one refused call, then the region is given up.
        var refused = app.Fake.Requests.Skip(requestsBefore)
            .Where(r => r.AccountId == customer.AccountId && r.Region == "eu-west-1" && r.Action == "DescribeInstances").ToList();
        Assert.Equal(("DescribeInstances", 403, "UnauthorizedOperation"), (Assert.Single(refused).Action, refused[0].StatusCode, refused[0].ErrorCode));
    }

    [Fact]
    public async Task RunAsync_EveryRegionDenied_ErrorAndJobFailsThenARetryCompletesCleanly()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(Instances("ae", 4));
        customer.Account.Region("eu-west-1").AddInstances(Instances("aw", 4));
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        app.Fake.FailNext(customer.AccountId, "us-east-1", "DescribeInstances", FakeFault.Unauthorized);
        app.Fake.FailNext(customer.AccountId, "eu-west-1", "DescribeInstances", FakeFault.Unauthorized);

        var failure = await Assert.ThrowsAsync<DiscoveryFailedException>(() => app.RunDiscoveryAsync(accountId));

        await using (var db = await app.CreateDbContextAsync())
        {
            var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
            Assert.Equal(AccountStatus.Error, account.Status);
            Assert.Equal(failure.Message, account.StatusMessage);
            Assert.Null(account.LastDiscoveryAt);
            // Either region's reason: both failed alike.
            Assert.Contains(failure.Message, new List<string>
            {
                $"No region could be scanned. Access denied for ec2:DescribeInstances in us-east-1{DeniedSuffix}",
                $"No region could be scanned. Access denied for ec2:DescribeInstances in eu-west-1{DeniedSuffix}",
            });
            Assert.False(await db.Instances.AnyAsync(i => i.AccountId == accountId));
        }

        await app.RunDiscoveryAsync(accountId);

        await using var again = await app.CreateDbContextAsync();
        var retried = await again.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal((AccountStatus.Active, (string?)null), (retried.Status, retried.StatusMessage));
        Assert.NotNull(retried.LastDiscoveryAt);
        Assert.Equal(8, await again.Instances.CountAsync(i => i.AccountId == accountId));
    }

    [Fact]
    public async Task RunAsync_RegionListDenied_ErrorNamingTheCall()
    {
        var customer = app.AddCustomer();
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        app.Fake.FailNext(customer.AccountId, "us-east-1", "DescribeRegions", FakeFault.Unauthorized);

        var failure = await Assert.ThrowsAsync<DiscoveryFailedException>(() => app.RunDiscoveryAsync(accountId));

        Assert.Equal($"Access denied for ec2:DescribeRegions{DeniedSuffix}", failure.Message);
        await using var db = await app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal((AccountStatus.Error, failure.Message), (account.Status, account.StatusMessage));
    }

    [Fact]
    public async Task RunAsync_StoppedInstance_StoresWhenItStoppedFromTheStateTransitionReason()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(
        [
            new FakeInstance("i-0stopped00000001") { State = "stopped", StateTransitionReason = "User initiated (2026-09-14 07:05:33 GMT)" },
            new FakeInstance("i-0running00000001"),
        ]);
        var (_, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        await using var db = await app.CreateDbContextAsync();
        var changed = await db.Instances.Where(i => i.AccountId == accountId).ToDictionaryAsync(i => i.InstanceId, i => i.StateChangedAt);
        Assert.Equal(new DateTimeOffset(2026, 9, 14, 7, 5, 33, TimeSpan.Zero), changed["i-0stopped00000001"]);
        Assert.Null(changed["i-0running00000001"]);
    }

    [Fact]
    public async Task RunAsync_ThrottledOnce_SdkRetriesAndTheDataIsComplete()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(Instances("th", 1500));
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        app.Fake.FailNext(customer.AccountId, "us-east-1", "DescribeInstances", FakeFault.Throttle);

        await app.RunDiscoveryAsync(accountId);

        Assert.Equal([(400, "RequestLimitExceeded"), (200, null), (200, null)],
            Requests(customer, "DescribeInstances", "us-east-1").Select(r => (r.StatusCode, r.ErrorCode)));
        await using var db = await app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal((AccountStatus.Active, (string?)null), (account.Status, account.StatusMessage));
        Assert.Equal(1500, await db.Instances.CountAsync(i => i.AccountId == accountId && i.GoneAt == null));
    }

    [Fact]
    public async Task RunAsync_RegionTimesOut_TreatedAsAFailedRegionOthersComplete()
    {
        var slow = new FakeAwsAppFactory
        {
            Settings =
            {
                ["CostPilot:Aws:RequestTimeout"] = "00:00:02",
                ["CostPilot:Aws:MaxErrorRetry"] = "0",
            },
        };
        await slow.InitializeAsync();
        try
        {
            var customer = slow.AddCustomer();
            customer.Account.Region("us-east-1").AddInstances(Instances("fa", 20));
            customer.Account.Region("eu-west-1").AddInstances(Instances("sl", 20));
            var (_, accountId) = await slow.ConnectNewUserAsync(customer);
            slow.Fake.TimeoutDelay = TimeSpan.FromSeconds(20);
            // Every copy held: under load the SDK's transport was seen to send a timed-out request once more despite MaxErrorRetry 0
            // (and then the region succeeded, which is not what this test is about).
            for (var i = 0; i < 3; i++)
            {
                slow.Fake.FailNext(customer.AccountId, "eu-west-1", "DescribeInstances", FakeFault.Timeout);
            }

            await slow.RunDiscoveryAsync(accountId);

            await using var db = await slow.CreateDbContextAsync();
            var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
            // Seen once in CI: the account ended Active without the region's error. What the fake saw says which call went how.
            var seen = string.Join(", ", slow.Fake.Requests.Where(r => r.Service == "ec2").Select(r => $"{r.Action} {r.Region} {r.StatusCode}"));
            Assert.True(account.Status == AccountStatus.Active
                && account.StatusMessage == "1 of 2 regions could not be scanned: eu-west-1: AWS did not answer ec2:DescribeInstances in eu-west-1 in time.",
                $"{account.Status}: {account.StatusMessage ?? "(no message)"}; the fake saw {seen}");
            Assert.Equal(20, await db.Instances.CountAsync(i => i.AccountId == accountId && i.Region == "us-east-1"));
            Assert.False(await db.Instances.AnyAsync(i => i.AccountId == accountId && i.Region == "eu-west-1"));
        }
        finally
        {
            await ((IAsyncLifetime)slow).DisposeAsync();
        }
    }

    [Fact]
    public async Task RunAsync_StatusEvents_ConnectedThenDiscoveringWithProgressThenActive()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(Instances("ev", 2100));
        customer.Account.Region("eu-west-1").AddInstances(Instances("ew", 7));
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var events = Channel.CreateUnbounded<AccountEvent>();
        using var subscription = app.Services.GetRequiredService<AccountEventHub>().Subscribe(caller.UserId, e => events.Writer.WriteAsync(e).AsTask());
        var connect = await app.ConnectKeysAsync(caller, customer);
        var accountId = connect.Value;
        var listed = await TestUsers.WithScopeAsync<InventoryQueryService, IReadOnlyList<AccountRow>>(app.Services, s => s.ListAccountsAsync(caller));
        Assert.Equal(AccountStatus.Connected, Assert.Single(listed).Status);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var connected = await events.Reader.ReadAsync(deadline.Token);
        Assert.Equal((accountId, AccountStatus.Connected, false), (connected.AccountId, connected.Status, connected.Removed));

        await app.RunDiscoveryAsync(accountId);

        var seen = new List<AccountEvent>();
        while (seen.LastOrDefault()?.Status != AccountStatus.Active)
        {
            seen.Add(await events.Reader.ReadAsync(deadline.Token));
        }
        Assert.All(seen, e => Assert.Equal((accountId, caller.UserId, false), (e.AccountId, e.OwnerId, e.Removed)));
        Assert.All(seen[..^1], e => Assert.Equal(AccountStatus.Discovering, e.Status));
        Assert.Equal((0, 0, 0), (seen[0].RegionsDone, seen[0].RegionsTotal, seen[0].InstancesFound));
        Assert.Contains(seen, e => e is { Status: AccountStatus.Discovering, RegionsTotal: 2 });
        var last = seen[^1];
        Assert.Equal((AccountStatus.Active, (string?)null, 2, 2, 2107), (last.Status, last.StatusMessage, last.RegionsDone, last.RegionsTotal, last.InstancesFound));
    }

    [Fact]
    public async Task RunAsync_VolumesAddressesAndHostileTags_StoredExactly()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("eu-west-1")
            .AddInstances([new FakeInstance("i-0hostile00000001") { Tags = HostileTags }, new FakeInstance("i-0plain000000002")])
            .AddVolumes(
            [
                new FakeVolume("vol-0attached000001") { Size = 100, VolumeType = "gp3", Iops = 3000, Throughput = 125, AttachedInstanceId = "i-0hostile00000001", Tags = HostileTags },
                new FakeVolume("vol-0orphan00000002") { Size = 500, VolumeType = "st1", AvailabilityZone = "eu-west-1b" },
            ])
            .AddAddresses(
            [
                new FakeAddress("eipalloc-0used000000001", "203.0.113.10") { InstanceId = "i-0hostile00000001", AssociationId = "eipassoc-0used000000001", Tags = HostileTags },
                new FakeAddress("eipalloc-0idle000000002", "203.0.113.11"),
            ]);
        var (caller, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        await using var db = await app.CreateDbContextAsync();
        var hostile = await db.Instances.SingleAsync(i => i.AccountId == accountId && i.InstanceId == "i-0hostile00000001");
        Assert.Equal(HostileTags, hostile.Tags);
        Assert.Equal(HostileTags["Name"], hostile.Name);
        Assert.Empty((await db.Instances.SingleAsync(i => i.AccountId == accountId && i.InstanceId == "i-0plain000000002")).Tags);
        var volumes = await db.Volumes.Where(v => v.AccountId == accountId).OrderBy(v => v.VolumeId).ToListAsync();
        Assert.Equal(2, volumes.Count);
        var attached = volumes[0];
        Assert.Equal(("vol-0attached000001", "eu-west-1", 100, "gp3", 3000, 125, "in-use", "eu-west-1a", "i-0hostile00000001"),
            (attached.VolumeId, attached.Region, attached.SizeGiB, attached.VolumeType, attached.Iops, attached.ThroughputMiBps, attached.State, attached.AvailabilityZone, attached.AttachedInstanceId));
        Assert.Equal(HostileTags, attached.Tags);
        var orphan = volumes[1];
        Assert.Equal(("vol-0orphan00000002", 500, "st1", (int?)null, (int?)null, "available", "eu-west-1b", (string?)null),
            (orphan.VolumeId, orphan.SizeGiB, orphan.VolumeType, orphan.Iops, orphan.ThroughputMiBps, orphan.State, orphan.AvailabilityZone, orphan.AttachedInstanceId));
        Assert.Empty(orphan.Tags);
        var addresses = await db.Addresses.Where(a => a.AccountId == accountId).OrderBy(a => a.AllocationId).ToListAsync();
        Assert.Equal(2, addresses.Count);
        var idle = addresses[0];
        var used = addresses[1];
        Assert.Equal(("eipalloc-0idle000000002", "203.0.113.11", (string?)null, (string?)null, "vpc"),
            (idle.AllocationId, idle.PublicIp, idle.InstanceId, idle.AssociationId, idle.Domain));
        Assert.Equal(("eipalloc-0used000000001", "203.0.113.10", "i-0hostile00000001", "eipassoc-0used000000001"),
            (used.AllocationId, used.PublicIp, used.InstanceId, used.AssociationId));
        Assert.Equal(HostileTags, used.Tags);
        var detail = (await TestUsers.WithScopeAsync<InventoryQueryService, Result<AccountDetail>>(app.Services, s => s.GetAccountAsync(caller, accountId))).Value;
        Assert.Equal((2, 1, 2, 1), (detail!.Volumes, detail.UnattachedVolumes, detail.Addresses, detail.IdleAddresses));
        // Tag text is searchable as text, markup and all.
        var found = await QueryAsync(caller, accountId, new InstanceQuery(Text: "<script>alert('pwned')"));
        Assert.Equal("i-0hostile00000001", Assert.Single(found.Rows).InstanceId);
        Assert.Equal(HostileTags, found.Rows[0].Tags);
    }

    [Fact]
    public async Task RunAsync_Finished_LeavesNoAdvisoryLockBehind()
    {
        var customer = app.AddCustomer();
        var (_, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        Assert.Equal(0, await AdvisoryLocksAsync());
    }

    [Fact]
    public async Task RunAsync_WhileAnotherRunScans_ReturnsAtOnceWithoutScanning()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(Instances("lk", 3));
        var (_, accountId) = await app.ConnectNewUserAsync(customer);
        app.Fake.TimeoutDelay = TimeSpan.FromSeconds(3);
        app.Fake.FailNext(customer.AccountId, "us-east-1", "DescribeInstances", FakeFault.Timeout); // held, then answered
        var first = app.RunDiscoveryAsync(accountId);
        // Once the first run has listed the regions it holds the lock and waits on DescribeInstances (not yet recorded).
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!app.Fake.Requests.Any(r => r.AccountId == customer.AccountId && r.Action == "DescribeRegions") && !first.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "The first run never listed the regions.");
            await Task.Delay(20);
        }
        Assert.Equal(1, await AdvisoryLocksAsync());

        await app.RunDiscoveryAsync(accountId);

        Assert.False(first.IsCompleted, "The first run ended before the second started: nothing was tested.");
        // The second run stopped before listing anything (the first run's own calls may still be arriving).
        Assert.Equal(1, app.Fake.Requests.Count(r => r.AccountId == customer.AccountId && r.Action == "DescribeRegions"));
        Assert.Equal(0, app.Fake.Requests.Count(r => r.AccountId == customer.AccountId && r.Action == "DescribeInstances"));
        await first;
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(AccountStatus.Active, (await db.Accounts.SingleAsync(a => a.Id == accountId)).Status);
        Assert.Equal(3, await db.Instances.CountAsync(i => i.AccountId == accountId));
    }

    /// <summary>Varied instances with ids "i-PREFIX" + 15 hex digits (at most 32 characters, the column's size).</summary>
    internal static IEnumerable<FakeInstance> Instances(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => new FakeInstance($"i-{prefix}{i:x15}")
        {
            InstanceType = (i % 4) switch { 0 => "m5.large", 1 => "t3.micro", 2 => "c7g.xlarge", _ => "r6i.2xlarge" },
            State = i % 10 == 0 ? "stopped" : "running",
            AvailabilityZone = i % 2 == 0 ? null : "zone-b",
            Platform = i % 7 == 0 ? "windows" : null,
            Architecture = i % 5 == 0 ? "arm64" : "x86_64",
            LaunchTime = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i),
            Lifecycle = i % 3 == 0 ? "spot" : null,
            Tags = i % 11 == 0
                ? new Dictionary<string, string>()
                : new Dictionary<string, string> { ["Name"] = $"web-{i} <b>&\"", ["env"] = i % 2 == 0 ? "prod" : "dev" },
        });

    private List<FakeRequest> Requests(FakeCustomer customer, string action, string region) =>
        [.. app.Fake.Requests.Where(r => r.AccountId == customer.AccountId && r.Action == action && r.Region == region)];

    private async Task<Dictionary<string, Instance>> InstancesAsync(Guid accountId)
    {
        await using var db = await app.CreateDbContextAsync();
        return await db.Instances.AsNoTracking().Where(i => i.AccountId == accountId).ToDictionaryAsync(i => i.InstanceId);
    }

    private async Task<Dictionary<string, DateTimeOffset>> RegionScansAsync(Guid accountId)
    {
        await using var db = await app.CreateDbContextAsync();
        return await db.RegionScans.Where(r => r.AccountId == accountId).ToDictionaryAsync(r => r.Region, r => r.CompletedAt);
    }

    /// <summary>Instance id → xmin, the id of the transaction that wrote the row's current version.</summary>
    private async Task<Dictionary<string, string>> RowVersionsAsync(Guid accountId) =>
        (await app.QueryAsync("SELECT instance_id, xmin::text FROM instances WHERE account_id = @account",
            r => (Id: r.GetString(0), Version: r.GetString(1)), ("account", accountId))).ToDictionary(r => r.Id, r => r.Version);

    private async Task<long> AdvisoryLocksAsync() => (await app.QueryAsync(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        r => r.GetInt64(0)))[0];

    private async Task<InstancePage> QueryAsync(Caller caller, Guid accountId, InstanceQuery query) =>
        (await TestUsers.WithScopeAsync<InventoryQueryService, Result<InstancePage>>(app.Services, s => s.QueryInstancesAsync(caller, accountId, query))).Value!;
}
