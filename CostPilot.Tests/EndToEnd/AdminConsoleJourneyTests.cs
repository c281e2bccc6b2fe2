using System.Text.RegularExpressions;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CostPilot.Tests.EndToEnd;

/// <summary>
/// The admin console as an admin uses it when a client's scan fails: the failed account in Accounts, its failed job with the
/// error, Retry, the account turning active without a reload, and the retry in the audit trail. The app runs its own job server
/// against a fake AWS that refuses one request.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class AdminConsoleJourneyTests(AdminConsoleJourneyTests.Fixture browser) : IClassFixture<AdminConsoleJourneyTests.Fixture>
{
    public sealed class Fixture : BrowserFixture
    {
        private FakeAwsServer? _fake;

        public FakeAwsServer Fake => _fake!;

        public override async Task InitializeAsync()
        {
            _fake = await FakeAwsServer.StartAsync(null);
            _fake.AddAccount(FakeAwsAppFactory.ServerAccountId).AddAccessKey(FakeAwsAppFactory.ServerAccessKeyId, FakeAwsAppFactory.ServerSecret);
            App.Settings["CostPilot:Aws:ServiceUrl"] = _fake.Url;
            App.Settings["CostPilot:Aws:AccessKeyId"] = FakeAwsAppFactory.ServerAccessKeyId;
            App.Settings["CostPilot:Aws:SecretAccessKey"] = FakeAwsAppFactory.ServerSecret;
            App.Settings["CostPilot:Aws:MaxErrorRetry"] = "2";
            // Only the scans this test starts.
            App.Settings["CostPilot:Discovery:Schedule"] = "0 0 1 1 *";
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            if (_fake is not null)
            {
                await _fake.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Admin_FindsFailedAccount_RetriesItsJob_SeesItActive_FindsTheRetryInTheAuditTrail()
    {
        // A client connects an AWS account whose region list AWS refuses once: its first scan fails.
        var account = browser.Fake.AddAccount("123456789012");
        account.AddAccessKey("AKIAJOURNEY000000001", "JourneySecret000000/aaaaaaaaaaaaaaaaaaaa");
        account.Region("us-east-1").AddInstances([new FakeInstance("i-0journey00000001"), new FakeInstance("i-0journey00000002")]);
        browser.Fake.FailNext("123456789012", "us-east-1", "DescribeRegions", FakeFault.Unauthorized);
        var client = await TestUsers.CreateCallerAsync(browser.App.Services, Roles.Client);
        var connected = await TestUsers.WithScopeAsync<AccountService, CostPilot.Infrastructure.Result<Guid>>(browser.App.Services,
            s => s.ConnectWithAccessKeysAsync(client, "Journey production", "AKIAJOURNEY000000001", "JourneySecret000000/aaaaaaaaaaaaaaaaaaaa"));
        Assert.True(connected.Succeeded, connected.Error?.Message);
        var accountId = connected.Value;

        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await Ui.SignInAsync(page, CostPilotAppFactory.AdminEmail, CostPilotAppFactory.AdminPassword);
        await Expect(page).ToHaveURLAsync(new Regex("/admin$"));
        await Ui.WaitForCircuitAsync(page);

        // Accounts: every tenant's, the failed one with its message.
        await page.GetByTestId("nav-admin-accounts").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/accounts"));
        // The grid's rows carry no attributes of ours: the row's hooks sit on a marker in its first cell.
        var marker = page.Locator($"[data-testid=admin-account-row][data-account-id='{accountId}']");
        var row = page.Locator("tr").Filter(new() { Has = marker });
        await Expect(marker).ToHaveAttributeAsync("data-status", "error", new() { Timeout = 60_000 });
        await Expect(row).ToContainTextAsync("Journey production");
        await Ui.ScreenshotAsync(page, "50-admin-accounts-failed");

        // Its last failed job, with the error AWS gave.
        await row.GetByTestId("admin-last-failed-job").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/admin/jobs\\?account={accountId}"));
        var job = page.Locator($"[data-testid=admin-job-row][data-account-id='{accountId}'][data-state=failed]");
        await Expect(job.GetByTestId("job-error")).ToContainTextAsync("DescribeRegions", new() { Timeout = 30_000 });
        var jobId = await job.GetAttributeAsync("data-job-id");
        await Ui.ScreenshotAsync(page, "51-admin-jobs-failed");

        // Retry: the scan runs again against AWS, which answers now, and the page follows it without a reload.
        await page.EvaluateAsync("() => window.__sameDocument = true");
        await job.GetByTestId("retry-job").ClickAsync();
        await Expect(page.Locator($"[data-testid=job-outcome][data-job-id='{jobId}']")).ToHaveAttributeAsync("data-state", "succeeded",
            new() { Timeout = 60_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "The jobs page was reloaded.");
        await Ui.ScreenshotAsync(page, "52-admin-jobs-retried");

        await page.GetByTestId("nav-admin-accounts").ClickAsync();
        await Expect(marker).ToHaveAttributeAsync("data-status", "active");

        // The audit trail: who retried which job, searchable by the account's name.
        await page.GetByTestId("nav-admin-audit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/audit$"));
        // MudTextField puts the hook on the input itself.
        await page.Locator("input[data-testid=audit-search]").FillAsync("Journey production");
        var retried = page.Locator($"[data-testid=audit-row][data-action='admin.job.retried'][data-target-id='{jobId}']");
        await Expect(retried).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("audit-grid")).ToContainTextAsync(CostPilotAppFactory.AdminEmail);
        await Ui.ScreenshotAsync(page, "53-admin-audit");

        // A phone: the audit trail fits.
        await page.SetViewportSizeAsync(390, 844);
        await Ui.ScreenshotAsync(page, "54-admin-audit-phone");
        Assert.False(await Ui.OverflowsHorizontallyAsync(page), "The audit page scrolls sideways at 390 px.");
    }
}
