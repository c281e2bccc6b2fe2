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
        { AccountStatus.Interrupted, nameof(Account.StartDiscovery) },
        { AccountStatus.Interrupted, nameof(Account.CompleteDiscovery) },
        { AccountStatus.Interrupted, nameof(Account.FailDiscovery) },
        { AccountStatus.Interrupted, nameof(Account.InterruptDiscovery) },
        { AccountStatus.Interrupted, nameof(Account.RecordDiscoveryProgress) },
        { AccountStatus.Connected, nameof(Account.ResumeDiscovery) },
        { AccountStatus.Active, nameof(Account.ResumeDiscovery) },
        { AccountStatus.Error, nameof(Account.ResumeDiscovery) },
        { AccountStatus.Connected, nameof(Account.InterruptDiscovery) },
        { AccountStatus.Active, nameof(Account.InterruptDiscovery) },
        { AccountStatus.Error, nameof(Account.InterruptDiscovery) },
        { AccountStatus.Active, nameof(Account.RecordDiscoveryProgress) },
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
    public void InterruptDiscovery_ThenResume_DiscoveringAgainWithTheReasonCleared()
    {
        var account = AccountIn(AccountStatus.Discovering);
        account.RecordDiscoveryProgress(Now);

        account.InterruptDiscovery("The server stopped.");
        Assert.Equal((AccountStatus.Interrupted, "The server stopped.", true), (account.Status, account.StatusMessage, account.IsDiscoveryInProgress));
        account.ResumeDiscovery();

        Assert.Equal((AccountStatus.Discovering, (string?)null, (DateTimeOffset?)Now), (account.Status, account.StatusMessage, account.DiscoveryProgressAt));
    }

    [Fact]
    public void ResumeDiscovery_StillDiscoveringAfterItsJobDied_TakesItOver()
    {
        var account = AccountIn(AccountStatus.Discovering);

        account.ResumeDiscovery();

        Assert.Equal(AccountStatus.Discovering, account.Status);
    }

    [Theory]
    [InlineData(AccountStatus.Active, null, true)]
    [InlineData(AccountStatus.Error, null, true)]
    [InlineData(AccountStatus.Connected, null, true)]
    [InlineData(AccountStatus.Discovering, 0, false)]
    [InlineData(AccountStatus.Discovering, 179, false)]
    [InlineData(AccountStatus.Discovering, 180, true)]
    [InlineData(AccountStatus.Interrupted, 60, false)]
    [InlineData(AccountStatus.Interrupted, 600, true)]
    public void MayRescan_ByStatusAndSecondsSinceProgress(AccountStatus status, int? secondsSinceProgress, bool expected)
    {
        var account = NewAccount();
        if (status != AccountStatus.Connected)
        {
            account.StartDiscovery();
            account.RecordDiscoveryProgress(Now);
        }
        switch (status)
        {
            case AccountStatus.Active:
                account.CompleteDiscovery(Now);
                break;
            case AccountStatus.Error:
                account.FailDiscovery("boom");
                break;
            case AccountStatus.Interrupted:
                account.InterruptDiscovery("stopped");
                break;
        }

        var mayRescan = account.MayRescan(Now.AddSeconds(secondsSinceProgress ?? 0), TimeSpan.FromMinutes(3));

        Assert.Equal(expected, mayRescan);
    }

    [Fact]
    public void MayRescan_DiscoveringWithNoProgressRecorded_Allowed()
    {
        // Left "discovering" before progress was recorded at all (an account stuck from an older version).
        Assert.True(AccountIn(AccountStatus.Discovering).MayRescan(Now, TimeSpan.FromMinutes(3)));
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
            case AccountStatus.Interrupted:
                account.StartDiscovery();
                account.InterruptDiscovery("stopped");
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
            case nameof(Account.ResumeDiscovery):
                account.ResumeDiscovery();
                break;
            case nameof(Account.InterruptDiscovery):
                account.InterruptDiscovery("stopped");
                break;
            case nameof(Account.RecordDiscoveryProgress):
                account.RecordDiscoveryProgress(Now);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(transition), transition, null);
        }
    }
}
