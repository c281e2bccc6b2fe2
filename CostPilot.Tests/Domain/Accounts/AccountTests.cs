using CostPilot.Domain;
using CostPilot.Domain.Accounts;

namespace CostPilot.Tests.Domain.Accounts;

public sealed class AccountTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void New_Account_IsConnected()
    {
        var account = NewAccount();

        Assert.Equal(AccountStatus.Connected, account.Status);
        Assert.Null(account.LastDiscoveryAt);
    }

    [Fact]
    public void Transitions_ValidPath_ReachEachState()
    {
        var account = NewAccount();

        account.StartDiscovery();
        Assert.Equal(AccountStatus.Discovering, account.Status);
        account.CompleteDiscovery(Now, warning: "eu-west-3 was not scanned");
        Assert.Equal(AccountStatus.Active, account.Status);
        Assert.Equal(Now, account.LastDiscoveryAt);
        Assert.Equal("eu-west-3 was not scanned", account.StatusMessage);
        account.StartDiscovery();
        Assert.Null(account.StatusMessage);
        account.FailDiscovery("Access denied");
        Assert.Equal(AccountStatus.Error, account.Status);
        Assert.Equal("Access denied", account.StatusMessage);
        account.StartDiscovery();
        Assert.Equal(AccountStatus.Discovering, account.Status);
    }

    public static TheoryData<AccountStatus, string> InvalidTransitions => new()
    {
        { AccountStatus.Discovering, nameof(Account.StartDiscovery) },
        { AccountStatus.Connected, nameof(Account.CompleteDiscovery) },
        { AccountStatus.Active, nameof(Account.CompleteDiscovery) },
        { AccountStatus.Error, nameof(Account.CompleteDiscovery) },
        { AccountStatus.Connected, nameof(Account.FailDiscovery) },
        { AccountStatus.Active, nameof(Account.FailDiscovery) },
        { AccountStatus.Error, nameof(Account.FailDiscovery) },
    };

    [Theory]
    [MemberData(nameof(InvalidTransitions))]
    public void Transition_NotAllowedFromState_ThrowsAndKeepsState(AccountStatus from, string transition)
    {
        var account = AccountIn(from);

        var e = Assert.Throws<InvalidStateTransitionException>(() => Apply(account, transition));

        Assert.Equal(from, e.From);
        Assert.Equal(from, account.Status);
    }

    [Fact]
    public void FailDiscovery_VeryLongMessage_IsTruncated()
    {
        var account = AccountIn(AccountStatus.Discovering);

        account.FailDiscovery(new string('e', Account.MaxStatusMessageLength + 50));

        Assert.Equal(Account.MaxStatusMessageLength, account.StatusMessage!.Length);
    }

    [Fact]
    public void New_LongName_IsTrimmedAndCut()
    {
        var account = new Account(AwsAccountId.Parse("123456789012"), "owner", "  " + new string('n', 150) + "  ", ConnectionMethod.Sandbox, Now);

        Assert.Equal(Account.MaxNameLength, account.Name.Length);
    }

    private static Account NewAccount() =>
        new(AwsAccountId.Parse("123456789012"), "owner-id", "Production", ConnectionMethod.IamRole, Now);

    private static Account AccountIn(AccountStatus status)
    {
        var account = NewAccount();
        switch (status)
        {
            case AccountStatus.Connected:
                break;
            case AccountStatus.Discovering:
                account.StartDiscovery();
                break;
            case AccountStatus.Active:
                account.StartDiscovery();
                account.CompleteDiscovery(Now);
                break;
            case AccountStatus.Error:
                account.StartDiscovery();
                account.FailDiscovery("boom");
                break;
        }
        Assert.Equal(status, account.Status);
        return account;
    }

    private static void Apply(Account account, string transition)
    {
        switch (transition)
        {
            case nameof(Account.StartDiscovery):
                account.StartDiscovery();
                break;
            case nameof(Account.CompleteDiscovery):
                account.CompleteDiscovery(Now);
                break;
            case nameof(Account.FailDiscovery):
                account.FailDiscovery("boom");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(transition), transition, null);
        }
    }
}
