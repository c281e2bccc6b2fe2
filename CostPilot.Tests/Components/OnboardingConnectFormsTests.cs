using System.Security.Claims;
using Bunit;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Infrastructure.Accounts;
using CostPilot.Tests.Support;
using CostPilot.Web.Auth;
using CostPilot.Web.Components.Pages.Onboarding;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Components;

/// <summary>
/// The onboarding connect forms rendered with bUnit on the app's own services, connecting through the real SDK to the fake AWS:
/// what the service refuses is explained in the form, and nothing is connected.
/// </summary>
public sealed class OnboardingConnectFormsTests(FakeAwsAppFactory app) : ComponentTestBase, IClassFixture<FakeAwsAppFactory>
{
    private AsyncServiceScope _scope;
    private Caller _caller = default!;

    public override async Task InitializeAsync()
    {
        _caller = await TestUsers.CreateCallerAsync(app.Services);
        _scope = app.Services.CreateAsyncScope();
        Context.Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<AccountService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<AwsIdentityService>());
        Context.Services.AddCallerServices();
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("client@costpilot.test");
        auth.SetRoles(Roles.Client);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, _caller.UserId));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _scope.DisposeAsync();
    }

    [Fact]
    public async Task RoleConnectForm_RoleTrustsAnyExternalId_ShowsWhyAndHowToFixAndConnectsNothing()
    {
        var customer = app.AddCustomer();
        var roleArn = customer.Account.AddRoleWithoutExternalIdCondition("HandMadeCostPilotRole");
        var connected = new List<Guid>();
        var form = Context.Render<RoleConnectForm>(p => p.Add(f => f.OnConnected, id => connected.Add(id)));
        form.WaitForElement("[data-testid=external-id]");

        form.Find("input[data-testid=role-arn]").Change(roleArn);
        await form.Find("button[data-testid=connect-role]").ClickAsync(new());

        form.WaitForAssertion(() => Assert.Equal(OnboardingTests.AnyExternalIdMessage, form.Find("[data-testid=form-error]").TextContent.Trim()));
        Assert.Empty(connected);
        await AssertNoAccountAsync(customer.AccountId);
    }

    [Fact]
    public async Task KeysConnectForm_RootUserKeys_ShowsWhatToUseInsteadAndConnectsNothing()
    {
        var customer = app.AddCustomer();
        var rootSecret = "RootUserSecret/" + new string('r', 25);
        customer.Account.AddRootAccessKey("AKIAROOTFORMKEY00001", rootSecret);
        var connected = new List<Guid>();
        var form = Context.Render<KeysConnectForm>(p => p.Add(f => f.OnConnected, id => connected.Add(id)));

        form.Find("input[data-testid=access-key-id]").Change("AKIAROOTFORMKEY00001");
        form.Find("input[data-testid=secret-access-key]").Change(rootSecret);
        await form.Find("button[data-testid=connect-keys]").ClickAsync(new());

        form.WaitForAssertion(() => Assert.StartsWith("These are the AWS account's root user keys", form.Find("[data-testid=form-error]").TextContent.Trim(),
            StringComparison.Ordinal));
        Assert.Empty(connected);
        Assert.DoesNotContain(rootSecret, form.Find("[data-testid=form-error]").TextContent, StringComparison.Ordinal);
        await AssertNoAccountAsync(customer.AccountId);
    }

    private async Task AssertNoAccountAsync(string awsAccountId)
    {
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.Accounts.AnyAsync(a => a.OwnerId == _caller.UserId || a.AwsAccountId == AwsAccountId.Parse(awsAccountId)));
    }
}
