using System.Net;
using System.Net.Sockets;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Security;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Accounts;

/// <summary>Connecting AWS accounts (access keys and IAM role) through the real SDK against the fake AWS.</summary>
public sealed class OnboardingTests(OnboardingTests.App app) : IClassFixture<OnboardingTests.App>
{
    public sealed class App : FakeAwsAppFactory
    {
        private Task<Caller>? _formUser;

        /// <summary>
        /// One user for the format checks, which never save anything: creating a user (bcrypt, cost 12) is
        /// most of such a test's time.
        /// </summary>
        public Task<Caller> FormUserAsync() => LazyInitializer.EnsureInitialized(ref _formUser, () => TestUsers.CreateCallerAsync(Services));
    }

    private const string RoleFormatMessage = "That is not an IAM role ARN. It looks like arn:aws:iam::123456789012:role/CostPilotReadOnly.";
    private const string KeyIdFormatMessage = "An access key id is AKIA or ASIA followed by 16 upper-case letters and digits.";
    private const string SecretFormatMessage = "A secret access key is exactly 40 characters (letters, digits, / and +).";
    private const string TemporaryKeyMessage = "ASIA keys are temporary session credentials and would stop working within hours. Use a long-lived AKIA key, or the IAM role option.";
    private const string UnknownCredentialsMessage = "AWS does not recognise these credentials (wrong key id or secret, or the key was deleted).";
    private const string CannotAssumeMessage = "CostPilot could not assume this role. Check the role ARN, that the stack finished creating, and that the role trusts CostPilot with exactly this External ID.";
    private const string TakenMessage = "This AWS account is already connected to CostPilot by another user. Ask them, or an administrator, to remove it first.";
    private const string AlreadyYoursMessage = "You have already connected this AWS account.";
    private const string ValidSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private const string RootKeysMessage =
        "These are the AWS account's root user keys, which can do anything in the account: CostPilot does not accept them. " +
        "Create an IAM user with only the read-only policy and connect with its access key, or use the IAM role option. " +
        "AWS advises deleting root access keys.";

    /// <summary>What a role whose trust policy lacks the sts:ExternalId condition is refused with.</summary>
    public const string AnyExternalIdMessage =
        "This role's trust policy does not require the External ID: CostPilot could assume it with any External ID, so anyone who knows the role ARN " +
        "could connect this AWS account. The role from CostPilot's CloudFormation template requires it; for a role you made yourself, add a " +
        "StringEquals condition on sts:ExternalId with your External ID to its trust policy, then connect again.";

    [Theory]
    [InlineData("", "Paste the role ARN from the stack's Outputs tab.")]
    [InlineData("CostPilotReadOnly", RoleFormatMessage)]
    [InlineData("arn:aws:iam::12345678901:role/CostPilotReadOnly", RoleFormatMessage)]
    [InlineData("arn:aws:iam::123456789012:user/CostPilotReadOnly", RoleFormatMessage)]
    [InlineData("arn:aws:sts::123456789012:assumed-role/CostPilotReadOnly/session", RoleFormatMessage)]
    [InlineData("arn:aws:iam::123456789012:role/", RoleFormatMessage)]
    public async Task ConnectWithRole_MalformedArn_FormatMessageAndNothingSaved(string roleArn, string expected)
    {
        var caller = await app.FormUserAsync();
        var requestsBefore = app.Fake.Requests.Count;

        var result = await app.ConnectRoleAsync(caller, roleArn);

        Assert.Equal(expected, result.Error?.Message);
        Assert.False(result.Succeeded);
        await AssertNothingSavedAsync(caller, externalId: null);
        Assert.Equal(requestsBefore, app.Fake.Requests.Count);
    }

    [Theory]
    [InlineData("AKIA123", ValidSecret, KeyIdFormatMessage)]
    [InlineData("akiaabcdefghijklmnop", ValidSecret, KeyIdFormatMessage)]
    [InlineData("AKIDABCDEFGHIJKLMNOP", ValidSecret, KeyIdFormatMessage)]
    [InlineData("", ValidSecret, KeyIdFormatMessage)]
    [InlineData("AKIAABCDEFGHIJKLMNOP", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE", SecretFormatMessage)]
    [InlineData("AKIAABCDEFGHIJKLMNOP", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX", SecretFormatMessage)]
    [InlineData("AKIAABCDEFGHIJKLMNOP", "wJalrXUtnFEMI K7MDENG/bPxRfiCYEXAMPLEKEY", SecretFormatMessage)]
    [InlineData("ASIAABCDEFGHIJKLMNOP", ValidSecret, TemporaryKeyMessage)]
    public async Task ConnectWithAccessKeys_BadFormat_SpecificMessageWithoutAskingAws(string accessKeyId, string secret, string expected)
    {
        var caller = await app.FormUserAsync();
        var requestsBefore = app.Fake.Requests.Count;

        var result = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(app.Services,
            s => s.ConnectWithAccessKeysAsync(caller, "Production", accessKeyId, secret));

        Assert.Equal(expected, result.Error?.Message);
        await AssertNothingSavedAsync(caller, externalId: null);
        Assert.Equal(requestsBefore, app.Fake.Requests.Count);
    }

    [Fact]
    public async Task ConnectWithAccessKeys_WrongSecret_CredentialsNotRecognised()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);

        var result = await app.ConnectKeysAsync(caller, customer, secret: ValidSecret);

        Assert.Equal(UnknownCredentialsMessage, result.Error?.Message);
        await AssertNothingSavedAsync(caller, externalId: null);
        var request = Assert.Single(app.Fake.Requests, r => r.AccessKeyId == customer.AccessKeyId);
        Assert.Equal(("GetCallerIdentity", 403, "SignatureDoesNotMatch"), (request.Action, request.StatusCode, request.ErrorCode));
        await AssertNoAccountForAsync(customer.AccountId);
    }

    [Fact]
    public async Task ConnectWithAccessKeys_UnknownKey_CredentialsNotRecognised()
    {
        var caller = await TestUsers.CreateCallerAsync(app.Services);

        var result = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(app.Services,
            s => s.ConnectWithAccessKeysAsync(caller, null, "AKIANOBODYKNOWSTHIS1", ValidSecret));

        Assert.Equal(UnknownCredentialsMessage, result.Error?.Message);
        await AssertNothingSavedAsync(caller, externalId: null);
        Assert.Equal("InvalidClientTokenId", Assert.Single(app.Fake.Requests, r => r.AccessKeyId == "AKIANOBODYKNOWSTHIS1").ErrorCode);
    }

    [Fact]
    public async Task ConnectWithAccessKeys_RootUserKeys_RefusedWithWhatToUseInsteadAndNothingStored()
    {
        var customer = app.AddCustomer();
        const string rootKeyId = "AKIAROOTUSERKEY00001";
        var rootSecret = "RootUserSecret/" + new string('r', 25);
        customer.Account.AddRootAccessKey(rootKeyId, rootSecret);
        var caller = await TestUsers.CreateCallerAsync(app.Services);

        var result = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(app.Services,
            s => s.ConnectWithAccessKeysAsync(caller, "Production", rootKeyId, rootSecret));

        Assert.Equal((ErrorKind.Invalid, RootKeysMessage), (result.Error?.Kind, result.Error?.Message));
        Assert.DoesNotContain(rootKeyId, result.Error!.Message, StringComparison.Ordinal);
        await AssertNothingSavedAsync(caller, externalId: null);
        await AssertNoAccountForAsync(customer.AccountId);
        // AWS was asked who the keys are, and nothing else.
        Assert.Equal(["GetCallerIdentity"], app.Fake.Requests.Where(r => r.AccessKeyId == rootKeyId).Select(r => r.Action));
    }

    [Fact]
    public async Task ConnectWithRole_RoleWantsAnotherExternalId_CouldNotAssumeAndExternalIdKept()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var externalId = await app.ExternalIdAsync(caller);
        var roleArn = customer.Account.AddRole("CostPilotReadOnly", "the-external-id-of-someone-else");

        var result = await app.ConnectRoleAsync(caller, roleArn);

        Assert.Equal(CannotAssumeMessage, result.Error?.Message);
        await AssertNothingSavedAsync(caller, externalId);
        await AssertNoAccountForAsync(customer.AccountId);
        var assume = app.Fake.Requests.Last(r => r.Action == "AssumeRole");
        Assert.Equal((FakeAwsAppFactory.ServerAccessKeyId, 403, "AccessDenied"), (assume.AccessKeyId, assume.StatusCode, assume.ErrorCode));
    }

    [Fact]
    public async Task ConnectWithRole_RoleDoesNotExist_CouldNotAssume()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);

        var result = await app.ConnectRoleAsync(caller, $"arn:aws:iam::{customer.AccountId}:role/NeverCreated");

        Assert.Equal(CannotAssumeMessage, result.Error?.Message);
        // The attempt created the user's External ID (to send to AWS) and nothing else.
        await AssertNothingSavedAsync(caller, await app.ExternalIdAsync(caller));
    }

    [Fact]
    public async Task ConnectWithRole_ServerKeyRefused_MessageBlamesCostPilotNotTheUser()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var externalId = await app.ExternalIdAsync(caller);
        var roleArn = customer.Account.AddRole("CostPilotReadOnly", externalId);
        app.Fake.FailNext(FakeAwsAppFactory.ServerAccountId, "us-east-1", "AssumeRole", FakeFault.AuthFailure);

        var result = await app.ConnectRoleAsync(caller, roleArn);

        Assert.Equal("CostPilot's own AWS credentials are not valid, so it cannot assume roles. An administrator must fix the server's AWS identity.", result.Error?.Message);
        await AssertNothingSavedAsync(caller, externalId);
    }

    [Fact]
    public async Task Connect_AwsUnreachable_SaysAwsCouldNotBeReached()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var offline = new FakeAwsAppFactory
        {
            Settings =
            {
                ["CostPilot:Aws:ServiceUrl"] = $"http://127.0.0.1:{closedPort}",
                ["CostPilot:Aws:RequestTimeout"] = "00:00:02",
                ["CostPilot:Aws:MaxErrorRetry"] = "0",
            },
        };
        await offline.InitializeAsync();
        try
        {
            var caller = await TestUsers.CreateCallerAsync(offline.Services);

            var keys = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(offline.Services,
                s => s.ConnectWithAccessKeysAsync(caller, null, "AKIAABCDEFGHIJKLMNOP", ValidSecret));
            var role = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(offline.Services,
                s => s.ConnectWithRoleAsync(caller, null, "arn:aws:iam::123456789012:role/CostPilotReadOnly"));

            Assert.Equal("Could not reach AWS for sts:GetCallerIdentity (network error).", keys.Error?.Message);
            Assert.Equal("Could not reach AWS for sts:AssumeRole (network error).", role.Error?.Message);
            await using var db = await offline.CreateDbContextAsync();
            Assert.False(await db.Accounts.AnyAsync());
        }
        finally
        {
            await ((IAsyncLifetime)offline).DisposeAsync();
        }
    }

    [Fact]
    public async Task ConnectWithAccessKeys_Valid_ConnectedAndTheSecretIsStoredOnlyEncrypted()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances([new FakeInstance("i-0keys000000000001")]);
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        // A failed attempt first: the wrong secret must not be kept anywhere either.
        var wrongSecret = "WrongSecret0000/" + new string('w', 24);
        Assert.Equal(UnknownCredentialsMessage, (await app.ConnectKeysAsync(caller, customer, wrongSecret)).Error?.Message);

        var result = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(app.Services,
            s => s.ConnectWithAccessKeysAsync(caller, "  Production  ", $" {customer.AccessKeyId} ", $" {customer.Secret} "));

        Assert.True(result.Succeeded, result.Error?.Message);
        var accountId = result.Value;
        await using (var db = await app.CreateDbContextAsync())
        {
            var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
            Assert.Equal((AccountStatus.Connected, ConnectionMethod.AccessKeys, "Production", customer.AccountId, caller.UserId),
                (account.Status, account.Method, account.Name, account.AwsAccountId.Value, account.OwnerId));
            Assert.Equal(customer.AccessKeyId, account.AccessKeyId);
            Assert.Null(account.RoleArn);
            Assert.Null(account.ExternalId);
            Assert.NotNull(account.EncryptedSecret);
            var protector = app.Services.GetRequiredService<SecretProtector>();
            Assert.Equal(customer.Secret, protector.Unprotect(account.EncryptedSecret, account.KeyVersion!.Value, AccountCredentials.SecretPurpose(accountId)));
            Assert.False(await db.PendingConnections.AnyAsync(p => p.OwnerId == caller.UserId));
        }

        // Discovery decrypts and uses the secret; its logs must not carry it either.
        await app.RunDiscoveryAsync(accountId);
        await WaitForLogAsync($"Discovery of account {accountId} finished");

        var dump = await DumpDatabaseAsync();
        Assert.Contains(dump, row => row.Table == "public.accounts" && row.Text.Contains(customer.AccessKeyId, StringComparison.Ordinal));
        Assert.Contains(dump, row => row.Table == "public.system_logs" && row.Text.Contains(accountId.ToString(), StringComparison.Ordinal));
        Assert.Contains(dump, row => row.Table == "hangfire.job" && row.Text.Contains(accountId.ToString(), StringComparison.Ordinal));
        Assert.Empty(dump.Where(row => row.Text.Contains(customer.Secret, StringComparison.Ordinal)).Select(row => row.Table));
        Assert.Empty(dump.Where(row => row.Text.Contains(wrongSecret, StringComparison.Ordinal)).Select(row => row.Table));
    }

    [Fact]
    public async Task ConnectWithRole_RightExternalId_ConsumesItAndSchedulesDiscovery()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var externalId = await app.ExternalIdAsync(caller);
        var again = await app.ExternalIdAsync(caller);
        var roleArn = customer.Account.AddRole("CostPilotReadOnly", externalId);

        var result = await app.ConnectRoleAsync(caller, $"  {roleArn}\n");

        Assert.Equal(externalId, again);
        Assert.Matches("^[A-Za-z0-9]{40}$", externalId);
        Assert.True(result.Succeeded, result.Error?.Message);
        var accountId = result.Value;
        await using (var db = await app.CreateDbContextAsync())
        {
            var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
            Assert.Equal((AccountStatus.Connected, ConnectionMethod.IamRole, $"AWS {customer.AccountId}", roleArn, externalId),
                (account.Status, account.Method, account.Name, account.RoleArn, account.ExternalId));
            Assert.Null(account.EncryptedSecret);
            Assert.Null(account.AccessKeyId);
            Assert.False(await db.PendingConnections.AnyAsync(p => p.OwnerId == caller.UserId));
        }
        var next = await app.ExternalIdAsync(caller);
        Assert.NotEqual(externalId, next);

        var storage = app.Services.GetRequiredService<JobStorage>();
        var enqueued = storage.GetMonitoringApi().EnqueuedJobs("default", 0, 10_000)
            .Select(j => j.Value.Job)
            .Where(job => job is not null && job.Args.Count > 0 && job.Args[0] is Guid id && id == accountId)
            .ToList();
        var job = Assert.Single(enqueued);
        Assert.Equal((typeof(DiscoveryJob), nameof(DiscoveryJob.RunAsync)), (job.Type, job.Method.Name));
        using var connection = storage.GetConnection();
        var recurring = Assert.Single(connection.GetRecurringJobs([AccountService.RecurringJobId(accountId)]));
        Assert.Equal($"discovery-{accountId}", recurring.Id);
        Assert.Equal("0 */6 * * *", recurring.Cron);
        Assert.Equal(accountId, recurring.Job.Args[0]);
    }

    [Fact]
    public async Task ConnectWithRole_TrustPolicyRequiresTheExternalId_ConnectedAfterARandomExternalIdIsDenied()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var externalId = await app.ExternalIdAsync(caller);
        var roleArn = customer.Account.AddRole("CostPilotReadOnly", externalId);

        var result = await app.ConnectRoleAsync(caller, roleArn);

        Assert.True(result.Succeeded, result.Error?.Message);
        // CostPilot assumed the role with the user's External ID, then checked that another one is refused.
        var assumes = app.Fake.Requests.Where(r => r.Action == "AssumeRole" && r.Parameters.GetValueOrDefault("RoleArn") == roleArn).ToList();
        Assert.Equal(2, assumes.Count);
        Assert.Equal((externalId, 200), (assumes[0].Parameters["ExternalId"], assumes[0].StatusCode));
        Assert.Equal((403, "AccessDenied"), (assumes[1].StatusCode, assumes[1].ErrorCode));
        Assert.Matches("^[A-Za-z0-9]{40}$", assumes[1].Parameters["ExternalId"]);
        Assert.NotEqual(externalId, assumes[1].Parameters["ExternalId"]);
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(roleArn, (await db.Accounts.SingleAsync(a => a.Id == result.Value)).RoleArn);
    }

    [Fact]
    public async Task ConnectWithRole_TrustPolicyWithoutExternalIdCondition_RefusedWithHowToFixAndNothingStored()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var externalId = await app.ExternalIdAsync(caller);
        var roleArn = customer.Account.AddRoleWithoutExternalIdCondition("HandMadeCostPilotRole");

        var result = await app.ConnectRoleAsync(caller, roleArn);

        Assert.Equal((ErrorKind.Invalid, AnyExternalIdMessage), (result.Error?.Kind, result.Error?.Message));
        Assert.DoesNotContain(externalId, result.Error!.Message, StringComparison.Ordinal);
        // Nothing of the connection is kept; the External ID stays for the fixed role.
        await AssertNothingSavedAsync(caller, externalId);
        await AssertNoAccountForAsync(customer.AccountId);
        var statuses = app.Fake.Requests.Where(r => r.Action == "AssumeRole" && r.Parameters.GetValueOrDefault("RoleArn") == roleArn).Select(r => r.StatusCode);
        Assert.Equal([200, 200], statuses);
    }

    [Fact]
    public async Task ConnectWithRole_ThenDiscovery_AssumesTheRoleAgainAndScans()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances([new FakeInstance("i-0role000000000001")]);
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var roleArn = customer.Account.AddRole("CostPilotReadOnly", await app.ExternalIdAsync(caller));
        var result = await app.ConnectRoleAsync(caller, roleArn);
        Assert.True(result.Succeeded, result.Error?.Message);

        await app.RunDiscoveryAsync(result.Value);

        await using var db = await app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == result.Value);
        Assert.Equal((AccountStatus.Active, (string?)null), (account.Status, account.StatusMessage));
        Assert.Equal("i-0role000000000001", (await db.Instances.SingleAsync(i => i.AccountId == account.Id)).InstanceId);
        // The scan ran as the assumed role: temporary (ASIA) credentials, never CostPilot's own key.
        var scans = app.Fake.Requests.Where(r => r.Service == "ec2" && r.AccountId == customer.AccountId).ToList();
        Assert.NotEmpty(scans);
        Assert.All(scans, r => Assert.StartsWith("ASIA", r.AccessKeyId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connect_AwsAccountOfAnotherUser_TakenWithoutNamingTheOwner()
    {
        var customer = app.AddCustomer();
        var ownerUser = await TestUsers.CreateAsync(app.Services, Roles.Client);
        var ownerEmail = ownerUser.Email;
        var owner = new Caller(ownerUser.Id, new HashSet<string> { Roles.Client });
        Assert.True((await app.ConnectKeysAsync(owner, customer)).Succeeded);
        customer.Account.AddAccessKey("AKIASECONDKEY0000001", "SecondKeySecret/" + new string('s', 24));
        var other = await TestUsers.CreateCallerAsync(app.Services);
        var otherExternalId = await app.ExternalIdAsync(other);
        var otherRole = customer.Account.AddRole("OtherUsersCostPilotRole", otherExternalId);

        var byKeys = await TestUsers.WithScopeAsync<AccountService, Result<Guid>>(app.Services,
            s => s.ConnectWithAccessKeysAsync(other, null, "AKIASECONDKEY0000001", "SecondKeySecret/" + new string('s', 24)));
        var byRole = await app.ConnectRoleAsync(other, otherRole);

        Assert.Equal(TakenMessage, byKeys.Error?.Message);
        Assert.Equal(TakenMessage, byRole.Error?.Message);
        foreach (var message in new[] { byKeys.Error!.Message, byRole.Error!.Message })
        {
            Assert.DoesNotContain(ownerEmail, message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(owner.UserId, message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("owner-", message, StringComparison.OrdinalIgnoreCase);
        }
        // Both proved access to the account before learning it is taken; the External ID stays for another try.
        Assert.Contains(app.Fake.Requests, r => r is { Action: "AssumeRole", StatusCode: 200 } && r.Parameters.GetValueOrDefault("RoleArn") == otherRole);
        await AssertNothingSavedAsync(other, otherExternalId);
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(owner.UserId, (await db.Accounts.SingleAsync(a => a.AwsAccountId == AwsAccountId.Parse(customer.AccountId))).OwnerId);
    }

    [Fact]
    public async Task Connect_NoAccessToTheAwsAccount_SameAnswerWhetherOrNotAnotherUserConnectedIt()
    {
        var connected = app.AddCustomer();
        var (owner, _) = await app.ConnectNewUserAsync(connected);
        connected.Account.AddRole("CostPilotReadOnly", await app.ExternalIdAsync(owner));
        var unconnected = app.AddCustomer();
        unconnected.Account.AddRole("CostPilotReadOnly", "the-external-id-of-someone-else");
        var prober = await TestUsers.CreateCallerAsync(app.Services);
        var wrongSecret = "WrongSecret0000/" + new string('w', 24);

        var answers = new List<(ErrorKind? Kind, string? Message)>();
        foreach (var customer in new[] { connected, unconnected })
        {
            var byRole = await app.ConnectRoleAsync(prober, $"arn:aws:iam::{customer.AccountId}:role/CostPilotReadOnly");
            var byMissingRole = await app.ConnectRoleAsync(prober, $"arn:aws:iam::{customer.AccountId}:role/NeverCreated");
            var byKeys = await app.ConnectKeysAsync(prober, customer, wrongSecret);
            answers.AddRange([(byRole.Error?.Kind, byRole.Error?.Message), (byMissingRole.Error?.Kind, byMissingRole.Error?.Message),
                (byKeys.Error?.Kind, byKeys.Error?.Message)]);
        }

        Assert.Equal([(ErrorKind.Invalid, CannotAssumeMessage), (ErrorKind.Invalid, CannotAssumeMessage), (ErrorKind.Invalid, UnknownCredentialsMessage)], answers[..3]);
        Assert.Equal(answers[..3], answers[3..]);
        await AssertNothingSavedAsync(prober, await app.ExternalIdAsync(prober));
    }

    [Fact]
    public async Task Connect_SameAwsAccountAgain_AlreadyConnectedByYou()
    {
        var customer = app.AddCustomer();
        var (owner, accountId) = await app.ConnectNewUserAsync(customer);
        var externalId = await app.ExternalIdAsync(owner);
        var roleArn = customer.Account.AddRole("CostPilotReadOnly", externalId);

        var byKeys = await app.ConnectKeysAsync(owner, customer);
        var byRole = await app.ConnectRoleAsync(owner, roleArn);

        Assert.Equal(AlreadyYoursMessage, byKeys.Error?.Message);
        Assert.Equal(AlreadyYoursMessage, byRole.Error?.Message);
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(accountId, (await db.Accounts.SingleAsync(a => a.OwnerId == owner.UserId)).Id);
        Assert.Equal(externalId, (await db.PendingConnections.SingleAsync(p => p.OwnerId == owner.UserId)).ExternalId);
    }

    [Fact]
    public async Task ConnectWithRole_AnotherUserWinsTheInsertRace_TakenAndExternalIdKept()
    {
        var customer = app.AddCustomer();
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        var rival = await TestUsers.CreateCallerAsync(app.Services);
        var externalId = await app.ExternalIdAsync(caller);
        var roleArn = customer.Account.AddRole("CostPilotReadOnly", externalId);
        // The rival's insert is in flight (uncommitted): the caller's duplicate check cannot see it, its insert waits on it.
        await using var rivalConnection = new NpgsqlConnection(app.ConnectionString);
        await rivalConnection.OpenAsync();
        await using var rivalTransaction = await rivalConnection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO accounts (id, aws_account_id, owner_id, name, method, access_key_id, status, created_at)
            VALUES (@id, @aws, @owner, 'Rival', 'AccessKeys', 'AKIARIVAL00000000001', 'Connected', now())
            """, rivalConnection, rivalTransaction))
        {
            insert.Parameters.AddWithValue("id", Guid.NewGuid());
            insert.Parameters.AddWithValue("aws", customer.AccountId);
            insert.Parameters.AddWithValue("owner", rival.UserId);
            await insert.ExecuteNonQueryAsync();
        }

        var connecting = app.ConnectRoleAsync(caller, roleArn);
        await WaitUntilAsync(async () => (await app.QueryAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO accounts%'",
            r => r.GetInt64(0)))[0] > 0 || connecting.IsCompleted, "the caller's insert to wait for the rival's");
        await rivalTransaction.CommitAsync();
        var result = await connecting;

        Assert.Equal(TakenMessage, result.Error?.Message);
        // The role in AWS trusts this External ID: a lost race must not throw it away.
        await AssertNothingSavedAsync(caller, externalId);
    }

    [Fact]
    public async Task AccountsTable_SecondSampleAccountForOneUser_RefusedByTheDatabase()
    {
        var user = await TestUsers.CreateCallerAsync(app.Services);
        var other = await TestUsers.CreateCallerAsync(app.Services);
        await InsertAccountAsync(user.UserId, "999000000101", "Sandbox");
        // Other methods, and other users' samples, are not limited.
        await InsertAccountAsync(user.UserId, "999000000102", "AccessKeys");
        await InsertAccountAsync(user.UserId, "999000000103", "IamRole");
        await InsertAccountAsync(other.UserId, "999000000104", "Sandbox");

        var refused = await Assert.ThrowsAsync<PostgresException>(() => InsertAccountAsync(user.UserId, "999000000105", "Sandbox"));

        Assert.Equal((PostgresErrorCodes.UniqueViolation, "ix_accounts_owner_id_one_sample"), (refused.SqlState, refused.ConstraintName));
        var methods = await app.QueryAsync("SELECT method FROM accounts WHERE owner_id = @owner ORDER BY aws_account_id", r => r.GetString(0), ("owner", user.UserId));
        Assert.Equal(["Sandbox", "AccessKeys", "IamRole"], methods);
    }

    [Fact]
    public async Task ConnectSandbox_AnotherTabWinsTheInsertRace_AlreadyHaveTheSampleAccount()
    {
        var caller = await TestUsers.CreateCallerAsync(app.Services);
        // The other tab's insert is in flight (uncommitted): the caller's check cannot see it, its insert waits on it.
        await using var rivalConnection = new NpgsqlConnection(app.ConnectionString);
        await rivalConnection.OpenAsync();
        await using var rivalTransaction = await rivalConnection.BeginTransactionAsync();
        await InsertAccountAsync(caller.UserId, "999000000201", "Sandbox", rivalConnection, rivalTransaction);

        var connecting = TestUsers.WithScopeAsync<AccountService, Result<Guid>>(app.Services, s => s.ConnectSandboxAsync(caller));
        await WaitUntilAsync(async () => (await app.QueryAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO accounts%'",
            r => r.GetInt64(0)))[0] > 0 || connecting.IsCompleted, "the caller's insert to wait for the other tab's");
        await rivalTransaction.CommitAsync();
        var result = await connecting;

        Assert.Equal((ErrorKind.Conflict, "You already have the sample account."), (result.Error?.Kind, result.Error?.Message));
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal("999000000201", (await db.Accounts.SingleAsync(a => a.OwnerId == caller.UserId)).AwsAccountId.Value);
    }

    [Fact]
    public async Task GetOrCreateExternalId_TwoCallsAtOnce_OneIdForBoth()
    {
        var caller = await TestUsers.CreateCallerAsync(app.Services);

        var ids = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => app.ExternalIdAsync(caller)));

        Assert.Single(ids.Distinct());
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(ids[0], (await db.PendingConnections.SingleAsync(p => p.OwnerId == caller.UserId)).ExternalId);
    }

    private async Task InsertAccountAsync(string ownerId, string awsAccountId, string method,
        NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        await using var own = connection is null ? new NpgsqlConnection(app.ConnectionString) : null;
        if (own is not null)
        {
            await own.OpenAsync();
        }
        await using var insert = new NpgsqlCommand("""
            INSERT INTO accounts (id, aws_account_id, owner_id, name, method, status, created_at)
            VALUES (@id, @aws, @owner, 'Inserted', @method, 'Connected', now())
            """, connection ?? own, transaction);
        insert.Parameters.AddWithValue("id", Guid.NewGuid());
        insert.Parameters.AddWithValue("aws", awsAccountId);
        insert.Parameters.AddWithValue("owner", ownerId);
        insert.Parameters.AddWithValue("method", method);
        await insert.ExecuteNonQueryAsync();
    }

    /// <summary>No account for the user; their pending External ID is exactly <paramref name="externalId"/> (or absent).</summary>
    private async Task AssertNothingSavedAsync(Caller caller, string? externalId)
    {
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.Accounts.AnyAsync(a => a.OwnerId == caller.UserId));
        var pending = await db.PendingConnections.Where(p => p.OwnerId == caller.UserId).Select(p => p.ExternalId).ToListAsync();
        Assert.Equal(externalId is null ? [] : [externalId], pending);
    }

    private async Task AssertNoAccountForAsync(string awsAccountId)
    {
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.Accounts.AnyAsync(a => a.AwsAccountId == AwsAccountId.Parse(awsAccountId)));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (up to 15 s) until the batched log sink has written a line containing <paramref name="text"/>.</summary>
    private async Task WaitForLogAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var found = await app.QueryAsync("SELECT count(*) FROM system_logs WHERE strpos(message, @text) > 0", r => r.GetInt64(0), ("text", text));
            if (found[0] > 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"No log line with '{text}' within 15 s.");
            await Task.Delay(100);
        }
    }

    /// <summary>Every row of every table in the app's schemas (public, hangfire), as PostgreSQL's text form of the row.</summary>
    private async Task<List<(string Table, string Text)>> DumpDatabaseAsync()
    {
        var tables = await app.QueryAsync(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('public', 'hangfire') AND table_type = 'BASE TABLE'",
            r => (Schema: r.GetString(0), Name: r.GetString(1)));
        Assert.Contains(tables, t => t is { Schema: "hangfire", Name: "job" });
        var rows = new List<(string Table, string Text)>();
        foreach (var (schema, name) in tables)
        {
            rows.AddRange(await app.QueryAsync($"SELECT t::text FROM \"{schema}\".\"{name}\" t", r => ($"{schema}.{name}", r.GetString(0))));
        }
        return rows;
    }
}
