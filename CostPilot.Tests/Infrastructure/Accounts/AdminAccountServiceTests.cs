using System.Reflection;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Accounts;

/// <summary>
/// The admin console's accounts: every tenant's accounts with owner, cost and savings, filtered, sorted and paged on the server;
/// rescan and removal of anyone's account, audited; nothing for anyone but an administrator, and never a credential.
/// Each test seeds owners of its own (a unique token in their e-mail) and looks only at those.
/// </summary>
public sealed class AdminAccountServiceTests(AdminAccountServiceTests.App app) : IClassFixture<AdminAccountServiceTests.App>
{
    private const string AdminAddress = "198.51.100.23";

    private CostInventory Db => new(app.ConnectionString);

    public static TheoryData<string[]> NotAdmins => new() { new[] { Roles.Client }, Array.Empty<string>() };

    [Theory]
    [MemberData(nameof(NotAdmins))]
    public async Task EveryMethod_NotAnAdmin_ForbiddenAndNothingChanges(string[] roles)
    {
        var owner = await Db.UserAsync($"{Guid.NewGuid():N}-owner");
        var id = await KnownFleet.SeedAsync(Db, owner, NewAwsId());
        var caller = new Caller(owner, roles.ToHashSet(StringComparer.Ordinal), $"{owner}@costpilot.test", AdminAddress);

        var list = await WithServiceAsync(s => s.ListAsync(caller, new AdminAccountQuery()));
        var rescan = await WithServiceAsync(s => s.RescanAsync(caller, id));
        var remove = await WithServiceAsync(s => s.RemoveAsync(caller, id));

        Assert.Equal(ErrorKind.Forbidden, list.Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, rescan.Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, remove.Error?.Kind);
        await using var db = await app.CreateDbContextAsync();
        Assert.True(await db.Accounts.AnyAsync(a => a.Id == id));
        Assert.False(await db.AuditEvents.AnyAsync(e => e.TargetId == id.ToString()));
        Assert.Equal(0, await JobsForAsync(id));
    }

    [Fact]
    public async Task ListAsync_Admin_EveryTenantWithOwnerCostAndSavings()
    {
        var token = Guid.NewGuid().ToString("N");
        var alice = await Db.UserAsync($"{token}-alice");
        var bob = await Db.UserAsync($"{token}-bob");
        var fleet = await KnownFleet.SeedAsync(Db, alice, "222222222222");
        var plain = await Db.AccountAsync(bob, "Bob's staging", "333333333333", status: "Error", method: "AccessKeys");
        await Db.RecommendationAsync(fleet, "rightsize", "Instance", "i-0000000000000002", "us-east-1", 140.16m, 70.08m);
        await Db.RecommendationAsync(fleet, "unattached-volume", "Volume", "vol-0000000000000002", "eu-west-1", 55.00m, 0m);
        await Db.RecommendationAsync(fleet, "idle-address", "Address", "eipalloc-0000000000000002", "eu-west-1", null, null);

        var page = (await WithServiceAsync(s => s.ListAsync(Admin(), new AdminAccountQuery(Owner: token)))).Value!;

        Assert.Equal(2, page.Total);
        Assert.Equal(["Bob's staging", KnownFleet.Name], page.Rows.Select(r => r.Name));
        var rich = page.Rows[1];
        Assert.Equal((fleet, alice, $"{alice}@costpilot.test", "222222222222"), (rich.Id, rich.OwnerId, rich.OwnerEmail, rich.AwsAccountId));
        Assert.Equal(ConnectionMethod.Sandbox, rich.Method);
        Assert.Equal(KnownFleet.LiveInstances, rich.Instances);
        Assert.Equal(KnownFleet.Total, rich.Cost.TotalUsd);
        Assert.Equal(KnownFleet.Unknown, rich.Cost.UnknownCount);
        Assert.Equal(new AccountSavings(125.08m, 3, 1), rich.Savings);
        Assert.Equal(CostInventory.Seen, rich.LastScanAt);
        var empty = page.Rows[0];
        Assert.Equal((plain, $"{bob}@costpilot.test", AccountStatus.Error, ConnectionMethod.AccessKeys),
            (empty.Id, empty.OwnerEmail, empty.Status, empty.Method));
        Assert.Equal((0, 0m, 0), (empty.Instances, empty.Cost.TotalUsd, empty.Cost.UnknownCount));
        Assert.Equal(AccountSavings.None, empty.Savings);
    }

    [Fact]
    public async Task ListAsync_FilterByStatusAndOwner_SortAndPage()
    {
        var token = Guid.NewGuid().ToString("N");
        var wild = await Db.UserAsync($"{token}-50%_off");
        var other = await Db.UserAsync($"{token}-50ab-off");
        var cheap = await Db.AccountAsync(wild, "a-cheap", "444444444441", method: "AccessKeys");
        var dear = await Db.AccountAsync(wild, "b-dear", "444444444442", method: "IamRole");
        var broken = await Db.AccountAsync(wild, "c-broken", "444444444443", status: "Error");
        await Db.AccountAsync(other, "d-other", "444444444444");
        await Db.InstanceAsync(cheap, "i-0000000000000001", "us-east-1", "t3.micro", "running", 0.0104m, 7.59m, "on-demand");
        await Db.InstanceAsync(dear, "i-0000000000000002", "us-east-1", "m5.xlarge", "running", 0.192m, 140.16m, "on-demand");

        var literal = (await WithServiceAsync(s => s.ListAsync(Admin(), new AdminAccountQuery(Owner: $"  {token}-50%_  ")))).Value!;
        var errors = (await WithServiceAsync(s => s.ListAsync(Admin(), new AdminAccountQuery(AccountStatus.Error, token)))).Value!;
        var byCost = (await WithServiceAsync(s => s.ListAsync(Admin(),
            new AdminAccountQuery(Owner: $"{token}-50%", SortBy: AdminAccountSort.MonthlyCost, Descending: true)))).Value!;
        var second = (await WithServiceAsync(s => s.ListAsync(Admin(), new AdminAccountQuery(Owner: token, Skip: 2, Take: 2)))).Value!;

        Assert.Equal(3, literal.Total);
        Assert.Equal([cheap, dear, broken], literal.Rows.Select(r => r.Id));
        Assert.Equal(broken, Assert.Single(errors.Rows).Id);
        Assert.Equal([dear, cheap, broken], byCost.Rows.Select(r => r.Id));
        Assert.Equal(4, second.Total);
        Assert.Equal(["c-broken", "d-other"], second.Rows.Select(r => r.Name));
    }

    [Fact]
    public async Task ListAsync_OwnerSearchTooLong_Invalid()
    {
        var result = await WithServiceAsync(s => s.ListAsync(Admin(), new AdminAccountQuery(Owner: new string('a', 257))));

        Assert.Equal(ErrorKind.Invalid, result.Error?.Kind);
    }

    [Fact]
    public async Task RescanAsync_AnotherUsersAccount_EnqueuedAndAudited_ThenRateLimited()
    {
        var owner = await Db.UserAsync($"{Guid.NewGuid():N}-owner");
        var id = await Db.AccountAsync(owner, "Claimed by the wrong user", "555555555555");
        var admin = Admin();

        var first = await WithServiceAsync(s => s.RescanAsync(admin, id));
        var second = await WithServiceAsync(s => s.RescanAsync(admin, id));

        Assert.True(first.Succeeded, first.Error?.Message);
        Assert.Equal(ErrorKind.RateLimited, second.Error?.Kind);
        Assert.Equal(1, await JobsForAsync(id));
        await using var db = await app.CreateDbContextAsync();
        var entry = await db.AuditEvents.SingleAsync(e => e.TargetId == id.ToString());
        Assert.Equal((AuditActions.AdminAccountRescan, AuditTargets.Account, admin.Email, AdminAddress, "Claimed by the wrong user"),
            (entry.Action, entry.TargetKind, entry.ActorEmail, entry.Address, entry.TargetLabel));
        Assert.Equal($"owner {owner}@costpilot.test, AWS account 555555555555", entry.Detail);
    }

    [Fact]
    public async Task RescanAsync_WhileScanning_ConflictNotEnqueuedNotAudited()
    {
        var owner = await Db.UserAsync($"{Guid.NewGuid():N}-owner");
        var id = await Db.AccountAsync(owner, "Busy", "666666666666", status: "Discovering");
        await Db.ExecuteAsync("UPDATE accounts SET discovery_progress_at = now() WHERE id = @id", ("id", id));

        var result = await WithServiceAsync(s => s.RescanAsync(Admin(), id));

        Assert.Equal(ErrorKind.Conflict, result.Error?.Kind);
        Assert.StartsWith("A scan of this account is running.", result.Error?.Message, StringComparison.Ordinal);
        Assert.Equal(0, await JobsForAsync(id));
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.AuditEvents.AnyAsync(e => e.TargetId == id.ToString()));
    }

    [Fact]
    public async Task RemoveAsync_AnotherUsersAccount_DeletesItsRowsAndWritesOneAuditEvent()
    {
        var owner = await Db.UserAsync($"{Guid.NewGuid():N}-owner");
        var id = await KnownFleet.SeedAsync(Db, owner, "777777777777", name: "Wrongly claimed");
        var kept = await Db.AccountAsync(owner, "Kept", "777777777778", method: "AccessKeys");
        await Db.RecommendationAsync(id, "rightsize", "Instance", "i-0000000000000002", "us-east-1", 140.16m, 70.08m);
        var admin = Admin();

        var result = await WithServiceAsync(s => s.RemoveAsync(admin, id));

        Assert.True(result.Succeeded, result.Error?.Message);
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.Accounts.AnyAsync(a => a.Id == id));
        Assert.True(await db.Accounts.AnyAsync(a => a.Id == kept));
        Assert.Equal(0, await db.Instances.CountAsync(i => i.AccountId == id));
        Assert.Equal(0, await db.Volumes.CountAsync(v => v.AccountId == id));
        Assert.Equal(0, await db.Addresses.CountAsync(a => a.AccountId == id));
        Assert.Equal(0, await db.Recommendations.CountAsync(r => r.AccountId == id));
        var entry = await db.AuditEvents.SingleAsync(e => e.TargetId == id.ToString());
        Assert.Equal((AuditActions.AdminAccountRemoved, AuditTargets.Account, admin.UserId, admin.Email, AdminAddress, "Wrongly claimed"),
            (entry.Action, entry.TargetKind, entry.ActorId, entry.ActorEmail, entry.Address, entry.TargetLabel));
        Assert.Equal($"owner {owner}@costpilot.test, AWS account 777777777777", entry.Detail);
    }

    [Fact]
    public async Task RemoveAsync_AlreadyGone_NotFoundAndNotAudited()
    {
        var missing = Guid.NewGuid();

        var result = await WithServiceAsync(s => s.RemoveAsync(Admin(), missing));

        Assert.Equal(ErrorKind.NotFound, result.Error?.Kind);
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.AuditEvents.AnyAsync(e => e.TargetId == missing.ToString()));
    }

    [Fact]
    public void AdminAccountRow_NoCredentialAnywhere()
    {
        string[] credentialWords = ["secret", "externalid", "rolearn", "accesskey", "encrypted", "keyversion", "password", "token", "credential"];

        var names = PropertyNames(typeof(AdminAccountPage), []).ToList();

        Assert.Contains("AdminAccountRow.OwnerEmail", names);
        Assert.DoesNotContain(names, n => credentialWords.Any(w => n.Contains(w, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Every public property of the type and of the types it holds (records, lists of them), as "Type.Property".</summary>
    private static IEnumerable<string> PropertyNames(Type type, HashSet<Type> seen)
    {
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
            || type == typeof(DateTimeOffset) || !seen.Add(type))
        {
            yield break;
        }
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                foreach (var name in PropertyNames(argument, seen))
                {
                    yield return name;
                }
            }
            if (type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true)
            {
                yield break;
            }
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            yield return $"{type.Name}.{property.Name}";
            foreach (var name in PropertyNames(property.PropertyType, seen))
            {
                yield return name;
            }
        }
    }

    /// <summary>Twelve digits no other test of the class uses (AWS account ids are unique across tenants).</summary>
    private static string NewAwsId() => "1" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Caller Admin() =>
        new($"admin-{Guid.NewGuid():N}", new HashSet<string> { Roles.Admin }, "ops-admin@costpilot.test", AdminAddress);

    private Task<T> WithServiceAsync<T>(Func<AdminAccountService, Task<T>> action) => TestUsers.WithScopeAsync(app.Services, action);

    /// <summary>Discovery jobs of the account in Hangfire's queue (no job server runs here, so they stay there).</summary>
    private async Task<int> JobsForAsync(Guid accountId)
    {
        await using var db = await app.CreateDbContextAsync();
        return await db.Database.SqlQuery<int>(
            $"SELECT count(*)::int AS \"Value\" FROM hangfire.job WHERE arguments::text LIKE {"%" + accountId + "%"}").SingleAsync();
    }

    /// <summary>The app without a job server (jobs are only enqueued) and one rescan per account an hour.</summary>
    public sealed class App : CostPilotAppFactory
    {
        public App()
        {
            Settings["CostPilot:Jobs:Server"] = "false";
            Settings["CostPilot:RateLimits:Rescan:PermitLimit"] = "1";
            Settings["CostPilot:RateLimits:Rescan:Window"] = "01:00:00";
        }
    }
}
