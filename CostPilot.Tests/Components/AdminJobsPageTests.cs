using System.Security.Claims;
using Bunit;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Infrastructure.Jobs;
using CostPilot.Tests.Support;
using CostPilot.Web.Auth;
using CostPilot.Web.Components.Pages.Admin;
using CostPilot.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Components;

/// <summary>
/// The admin Jobs page in bUnit, on the services of a real app (PostgreSQL, Hangfire storage, the fake AWS) whose jobs a second
/// node runs: a discovery that fails shows up by itself, and its retry from the page runs again and succeeds, all without a
/// reload. Each test owns its apps and database (a job server takes every job).
/// </summary>
public sealed class AdminJobsPageTests : ComponentTestBase
{
    private static readonly TimeSpan JobTime = TimeSpan.FromSeconds(90);

    private FakeAwsAppFactory? _web;
    private JobNode? _node;
    private TestUser _admin = default!;

    public override async Task InitializeAsync()
    {
        _web = await ResumeDiscoveryTests.FirstNodeAsync(jobServer: false);
        _admin = await TestUsers.CreateAsync(_web.Services, Roles.Admin);
        Context.Services.AddSingleton(_web.Services.GetRequiredService<AdminJobService>());
        Context.Services.AddSingleton(_web.Services.GetRequiredService<AccountEventHub>());
        Context.Services.AddCallerServices();
        var auth = Context.AddAuthorization();
        auth.SetAuthorized(_admin.Email);
        auth.SetRoles(Roles.Admin);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, _admin.Id), new Claim(ClaimTypes.Email, _admin.Email));
    }

    [Fact]
    public async Task FailedDiscovery_AppearsLive_RetryFromThePageRerunsItAndItsSuccessShowsWithoutReload()
    {
        var web = _web!;
        var customer = web.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances([new FakeInstance("i-0adminjobspage1"), new FakeInstance("i-0adminjobspage2")]);
        // Connecting enqueues the first discovery; no job server runs yet.
        var (_, accountId) = await web.ConnectNewUserAsync(customer);
        Context.Services.GetRequiredService<NavigationManager>().NavigateTo($"/admin/jobs?account={accountId}&state=failed");
        var page = Context.Render<Jobs>();
        page.WaitForAssertion(() => Assert.Contains("No failed jobs", page.Find("[data-testid=jobs-empty]").TextContent, StringComparison.Ordinal));

        // AWS refuses the region list once: the discovery fails, for an admin to retry.
        web.Fake.FailNext(customer.AccountId, "us-east-1", "DescribeRegions", FakeFault.Unauthorized);
        _node = await ResumeDiscoveryTests.StartNodeAsync(web, ("CostPilot:Discovery:Schedule", "0 0 1 1 *"));

        // Nobody touches the page: the account's events bring the failed job in.
        string jobId = "";
        page.WaitForAssertion(() =>
        {
            var row = Assert.Single(page.FindAll("[data-testid=admin-job-row]"));
            Assert.Equal(("failed", accountId.ToString()), (row.GetAttribute("data-state"), row.GetAttribute("data-account-id")));
            Assert.Contains("Access denied for ec2:DescribeRegions", row.QuerySelector("[data-testid=job-error]")!.TextContent, StringComparison.Ordinal);
            jobId = row.GetAttribute("data-job-id")!;
        }, JobTime);
        Assert.DoesNotContain(" at ", page.Find("[data-testid=job-error]").TextContent, StringComparison.Ordinal);

        // The fault was for one request: the retry runs against a healthy fake.
        await page.Find("[data-testid=retry-job]").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() =>
        {
            var outcome = page.Find($"[data-testid=job-outcome][data-job-id='{jobId}']");
            Assert.Equal("succeeded", outcome.GetAttribute("data-state"));
            Assert.Empty(page.FindAll("[data-testid=admin-job-row][data-state=failed]"));
        }, JobTime);
        await using var db = await web.CreateDbContextAsync();
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == accountId);
        Assert.Equal(AccountStatus.Active, account.Status);
        Assert.Equal(2, await db.Instances.CountAsync(i => i.AccountId == accountId));
        var audit = await db.AuditEvents.AsNoTracking().SingleAsync(e => e.TargetKind == AuditTargets.Job && e.TargetId == jobId);
        Assert.Equal((AuditActions.JobRetried, _admin.Id, $"discovery of {account.Name}"), (audit.Action, audit.ActorId, audit.TargetLabel));
        Assert.StartsWith("DiscoveryFailedException: Access denied for ec2:DescribeRegions", audit.Detail, StringComparison.Ordinal);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_node is not null)
        {
            await ((IAsyncLifetime)_node).DisposeAsync();
        }
        if (_web is not null)
        {
            await ((IAsyncLifetime)_web).DisposeAsync();
        }
    }
}
