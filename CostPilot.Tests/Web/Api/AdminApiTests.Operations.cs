using System.Net;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Tests.Web.Api;

/// <summary><c>/api/admin/accounts</c> and <c>/api/admin/jobs</c>: every tenant's accounts and CostPilot's failed jobs.</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task Accounts_OfEveryTenant_WithOwnerCostAndStatusFilteredAndSorted()
    {
        var inventory = new CostInventory(app.ConnectionString);
        var (first, second) = (await inventory.UserAsync(), await inventory.UserAsync());
        var big = await KnownFleet.SeedAsync(inventory, first, "310000000001", "Fleet");
        var broken = await inventory.AccountAsync(second, "Broken", "310000000002", status: "Error");
        using var admin = await AdminAsync();

        var ofFirst = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/accounts?owner={first}"));
        var inError = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/accounts?status=error&owner={second}"));
        var byCost = await ApiClients.JsonAsync(await admin.GetAsync("/api/admin/accounts?sort=monthly_cost&desc=true&take=1"));

        var row = Assert.Single(ofFirst.GetProperty("items").EnumerateArray());
        Assert.Equal((big.ToString(), "Fleet", "310000000001", first, $"{first}@costpilot.test", "active"),
            (row.GetProperty("id").GetString(), row.GetProperty("name").GetString(), row.GetProperty("awsAccountId").GetString(),
                row.GetProperty("ownerId").GetString(), row.GetProperty("ownerEmail").GetString(), row.GetProperty("status").GetString()));
        Assert.Equal(KnownFleet.LiveInstances, row.GetProperty("instances").GetInt32());
        Assert.Equal(KnownFleet.Compute, row.GetProperty("cost").GetProperty("computeUsd").GetDecimal());
        Assert.Equal(broken.ToString(), Assert.Single(inError.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(big.ToString(), Assert.Single(byCost.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        Assert.True(byCost.GetProperty("total").GetInt32() >= 2);
    }

    [Fact]
    public async Task Accounts_ConnectedWithAccessKeys_NoCredentialInTheList()
    {
        var owner = await TestUsers.CreateAsync(app.Services, Roles.Client);
        var customer = app.AddCustomer();
        var connected = await app.ConnectKeysAsync(new Caller(owner.Id, new HashSet<string> { Roles.Client }, owner.Email), customer);
        Assert.True(connected.Succeeded, connected.Error?.Message);
        using var admin = await AdminAsync();

        using var response = await admin.GetAsync($"/api/admin/accounts?owner={owner.Email}");

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(connected.Value.ToString(), text, StringComparison.Ordinal);
        Assert.DoesNotContain(customer.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(customer.AccessKeyId, text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("externalId", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Accounts_BadQuery_400NamingTheField()
    {
        using var admin = await AdminAsync();

        Assert.Equal("Unknown account status 'gone': use one of connected, discovering, active, error, interrupted.",
            await FieldErrorAsync(await admin.GetAsync("/api/admin/accounts?status=gone"), "status"));
        Assert.Equal("Unknown sort 'price': use one of name, owner, status, last_scan, instances, monthly_cost.",
            await FieldErrorAsync(await admin.GetAsync("/api/admin/accounts?sort=price"), "sort"));
        Assert.Equal("Search for at most 256 characters of an e-mail address.",
            await FieldErrorAsync(await admin.GetAsync($"/api/admin/accounts?owner={new string('a', 257)}"), "owner"));
    }

    [Fact]
    public async Task Accounts_RescanAndRemove_202Then204AndAudited()
    {
        var inventory = new CostInventory(app.ConnectionString);
        var owner = await inventory.UserAsync();
        var accountId = await inventory.AccountAsync(owner, "Rescanned", "320000000001");
        var (admin, actor) = await ApiClients.SignedInAsync(app, Roles.Admin);
        using (admin)
        {
            using var rescan = await admin.PostAsync($"/api/admin/accounts/{accountId}/rescan", null);
            using var removed = await admin.DeleteAsync($"/api/admin/accounts/{accountId}");
            using var again = await admin.DeleteAsync($"/api/admin/accounts/{accountId}");
            using var rescanGone = await admin.PostAsync($"/api/admin/accounts/{accountId}/rescan", null);

            Assert.Equal(HttpStatusCode.Accepted, rescan.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
            Assert.Equal("That account no longer exists.", (await ApiClients.ProblemAsync(again, HttpStatusCode.NotFound)).GetProperty("detail").GetString());
            await ApiClients.ProblemAsync(rescanGone, HttpStatusCode.NotFound);
        }
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.Accounts.AnyAsync(a => a.Id == accountId));
        var trail = await AuditOfAsync(accountId.ToString());
        Assert.Equal([AuditActions.AdminAccountRescan, AuditActions.AdminAccountRemoved], trail.Select(e => e.Action));
        Assert.All(trail, e => Assert.Equal((actor.Email, AdminApiAppFactory.ClientAddress), (e.ActorEmail, e.Address)));
    }

    [Fact]
    public async Task Accounts_RescanWhileAScanRuns_409WithTheServicesMessage()
    {
        var inventory = new CostInventory(app.ConnectionString);
        var accountId = await inventory.AccountAsync(await inventory.UserAsync(), "Busy", "320000000002", status: "Discovering");
        await using (var db = await app.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlAsync($"UPDATE accounts SET discovery_progress_at = now() WHERE id = {accountId}");
        }
        using var admin = await AdminAsync();

        var problem = await ApiClients.ProblemAsync(await admin.PostAsync($"/api/admin/accounts/{accountId}/rescan", null), HttpStatusCode.Conflict);

        Assert.StartsWith("A scan of this account is running.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await AuditOfAsync(accountId.ToString()));
    }

    [Fact]
    public async Task Jobs_FailedDiscovery_ListedThenRetried202AndEnqueuedAgainAndAudited()
    {
        var inventory = new CostInventory(app.ConnectionString);
        var owner = await inventory.UserAsync();
        var accountId = await inventory.AccountAsync(owner, "Failing", "330000000001");
        var jobId = FailedDiscovery(accountId, "Access denied for ec2:DescribeRegions.\nat some stack frame");
        var (admin, actor) = await ApiClients.SignedInAsync(app, Roles.Admin);
        using (admin)
        {
            var failed = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/jobs?state=failed&account={accountId}"));
            var row = Assert.Single(failed.GetProperty("items").EnumerateArray());
            Assert.Equal((jobId, "discovery", "failed", accountId.ToString(), "Failing", $"{owner}@costpilot.test"),
                (row.GetProperty("jobId").GetString(), row.GetProperty("kind").GetString(), row.GetProperty("state").GetString(),
                    row.GetProperty("accountId").GetString(), row.GetProperty("accountName").GetString(), row.GetProperty("ownerEmail").GetString()));
            Assert.Equal("DiscoveryFailedException: Access denied for ec2:DescribeRegions.", row.GetProperty("error").GetString());

            using var retry = await admin.PostAsync($"/api/admin/jobs/{jobId}/retry", null);
            var accepted = await ApiClients.JsonAsync(retry, HttpStatusCode.Accepted);
            Assert.Equal((jobId, EnqueuedState.StateName), (accepted.GetProperty("jobId").GetString(), accepted.GetProperty("state").GetString()));
            Assert.Equal($"/api/admin/jobs/{jobId}", retry.Headers.Location?.OriginalString);
            Assert.Equal(EnqueuedState.StateName, await StateOfAsync(jobId));
            var state = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/jobs/{jobId}"));
            Assert.Equal(EnqueuedState.StateName, state.GetProperty("state").GetString());
            var after = await ApiClients.JsonAsync(await admin.GetAsync($"/api/admin/jobs?account={accountId}"));
            Assert.Equal(0, after.GetProperty("total").GetInt32());

            var twice = await ApiClients.ProblemAsync(await admin.PostAsync($"/api/admin/jobs/{jobId}/retry", null), HttpStatusCode.Conflict);
            Assert.Equal("This job is not failed any more: someone retried or deleted it meanwhile.", twice.GetProperty("detail").GetString());
        }
        var entry = Assert.Single(await AuditOfAsync(jobId));
        Assert.Equal((AuditActions.JobRetried, actor.Id, actor.Email, AdminApiAppFactory.ClientAddress), (entry.Action, entry.ActorId, entry.ActorEmail, entry.Address));
    }

    [Fact]
    public async Task Jobs_DeleteFailedJob_204ThenUnknownIds404()
    {
        var inventory = new CostInventory(app.ConnectionString);
        var accountId = await inventory.AccountAsync(await inventory.UserAsync(), "Deleted job", "330000000002");
        var jobId = FailedDiscovery(accountId, "denied");
        using var admin = await AdminAsync();

        using var deleted = await admin.DeleteAsync($"/api/admin/jobs/{jobId}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(DeletedState.StateName, await StateOfAsync(jobId));
        foreach (var response in new[]
        {
            await admin.PostAsync("/api/admin/jobs/999999999/retry", null),
            await admin.DeleteAsync("/api/admin/jobs/not-a-job"),
            await admin.GetAsync("/api/admin/jobs/999999999"),
        })
        {
            Assert.Equal("No such job.", (await ApiClients.ProblemAsync(response, HttpStatusCode.NotFound)).GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Jobs_BadQuery_400NamingTheField()
    {
        using var admin = await AdminAsync();

        Assert.Equal("Unknown job state 'done': use one of failed, processing.",
            await FieldErrorAsync(await admin.GetAsync("/api/admin/jobs?state=done"), "state"));
        Assert.Equal("account must be an account's id.", await FieldErrorAsync(await admin.GetAsync("/api/admin/jobs?account=42"), "account"));
    }
}
