using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Tests.Support;

namespace CostPilot.Tests.Infrastructure.Accounts;

/// <summary>
/// What the UI calls on services directly is limited in the services: connection attempts that ask AWS, per user, and
/// rescans, per account; two per hour each here.
/// </summary>
public sealed class AbuseLimitTests(AbuseLimitTests.App app) : IClassFixture<AbuseLimitTests.App>
{
    private const string WrongSecret = "WrongSecretWrongSecretWrongSecretWrong00";

    [Fact]
    public async Task Connect_ThirdAttemptAskingAws_RateLimitedWithoutAskingAws()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);

        var first = await app.ConnectKeysAsync(caller, customer, secret: WrongSecret);
        var second = await app.ConnectRoleAsync(caller, $"arn:aws:iam::{customer.AccountId}:role/Missing");
        var asked = app.Fake.Requests.Count;
        var third = await app.ConnectKeysAsync(caller, customer);

        Assert.Equal(ErrorKind.Invalid, first.Error?.Kind);
        Assert.Equal(ErrorKind.Invalid, second.Error?.Kind);
        Assert.Equal(ErrorKind.RateLimited, third.Error?.Kind);
        Assert.Equal("You have tried to connect an AWS account 2 times in an hour, the most CostPilot allows. Try again within an hour.", third.Error?.Message);
        Assert.Equal(asked, app.Fake.Requests.Count);
    }

    [Fact]
    public async Task Connect_AnotherUserOverTheLimit_NotCountedForThisOne()
    {
        var customer = app.AddCustomer();
        var busy = await TestUsers.CreateCallerAsync(app.Services);
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        for (var i = 0; i < 3; i++)
        {
            await app.ConnectKeysAsync(busy, customer, secret: WrongSecret);
        }

        var result = await app.ConnectKeysAsync(caller, customer);

        Assert.True(result.Succeeded, result.Error?.Message);
    }

    [Fact]
    public async Task Connect_MalformedInput_NotCounted()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        for (var i = 0; i < 3; i++)
        {
            var malformed = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(app.Services,
                s => s.ConnectWithAccessKeysAsync(caller, null, "not-a-key", WrongSecret));
            Assert.Equal(ErrorKind.Invalid, malformed.Error?.Kind);
        }

        var result = await app.ConnectKeysAsync(caller, customer);

        Assert.True(result.Succeeded, result.Error?.Message);
    }

    [Fact]
    public async Task Rescan_ThirdOfOneAccount_RateLimitedWhileAnotherAccountRescans()
    {
        var (caller, accountId) = await app.ConnectNewUserAsync(app.AddCustomer());
        var (other, otherId) = await app.ConnectNewUserAsync(app.AddCustomer());

        var first = await RescanAsync(caller, accountId);
        var second = await RescanAsync(caller, accountId);
        var third = await RescanAsync(caller, accountId);
        var elsewhere = await RescanAsync(other, otherId);

        Assert.True(first.Succeeded && second.Succeeded, first.Error?.Message ?? second.Error?.Message);
        Assert.Equal(ErrorKind.RateLimited, third.Error?.Kind);
        Assert.Equal("This account was rescanned 2 times in an hour, the most CostPilot allows. It is also scanned on its schedule. Try again within an hour.",
            third.Error?.Message);
        Assert.True(elsewhere.Succeeded, elsewhere.Error?.Message);
    }

    private Task<Result> RescanAsync(CostPilot.Infrastructure.Identity.Caller caller, Guid accountId) =>
        TestUsers.WithScopeAsync<AccountService, Result>(app.Services, s => s.RescanAsync(caller, accountId));

    /// <summary>The fake-AWS app with two connection attempts per user and two rescans per account an hour.</summary>
    public sealed class App : FakeAwsAppFactory
    {
        public App()
        {
            foreach (var limit in (string[])["Connect", "Rescan"])
            {
                Settings[$"CostPilot:RateLimits:{limit}:PermitLimit"] = "2";
                Settings[$"CostPilot:RateLimits:{limit}:Window"] = "01:00:00";
            }
        }
    }
}
