using System.Security.Cryptography;
using Amazon.Runtime;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Persistence.Configurations;
using CostPilot.Infrastructure.Security;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CostPilot.Infrastructure.Accounts;

/// <summary>
/// Connecting, listing, rescanning and removing AWS accounts. Every method takes the caller and only
/// ever touches the caller's own accounts. Connection attempts that ask AWS are limited per user (<see cref="ServiceRateLimits"/>).
/// </summary>
public sealed partial class AccountService(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    AwsIdentityService identity,
    SecretProtector protector,
    DiscoveryScheduler discovery,
    IRecurringJobManager recurringJobs,
    AccountEventPublisher events,
    ServiceRateLimits limits,
    AuditTrail audit,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<AccountService> logger)
{
    private static readonly ServiceError Taken = ServiceError.Conflict("This AWS account is already connected to CostPilot by another user. Ask them, or an administrator, to remove it first.");
    private static readonly ServiceError AlreadyYours = ServiceError.Conflict("You have already connected this AWS account.");
    private static readonly ServiceError SampleTaken = ServiceError.Conflict("You already have the sample account.");
    private static readonly ServiceError NotYours = ServiceError.NotFound("That account does not exist or is not yours.");
    private static readonly ServiceError RootKeys = ServiceError.Invalid(
        "These are the AWS account's root user keys, which can do anything in the account: CostPilot does not accept them. " +
        "Create an IAM user with only the read-only policy and connect with its access key, or use the IAM role option. " +
        "AWS advises deleting root access keys.");
    private static readonly ServiceError AnyExternalId = ServiceError.Invalid(
        "This role's trust policy does not require the External ID: CostPilot could assume it with any External ID, so anyone who knows the role ARN " +
        "could connect this AWS account. The role from CostPilot's CloudFormation template requires it; for a role you made yourself, add a " +
        "StringEquals condition on sts:ExternalId with your External ID to its trust policy, then connect again.");

    /// <summary>The External ID for the caller's next role connection; stable until a connection uses it.</summary>
    public async Task<string> GetOrCreateExternalIdAsync(Caller caller, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pending = await db.PendingConnections.FindAsync([caller.UserId], ct);
        if (pending is not null)
        {
            return pending.ExternalId;
        }
        pending = new PendingConnection { OwnerId = caller.UserId, ExternalId = NewExternalId(), CreatedAt = clock.GetUtcNow() };
        db.PendingConnections.Add(pending);
        try
        {
            await db.SaveChangesAsync(ct);
            return pending.ExternalId;
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two tabs asked at once: use the one that won.
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            return (await again.PendingConnections.AsNoTracking().SingleAsync(p => p.OwnerId == caller.UserId, ct)).ExternalId;
        }
    }

    public async Task<Result<Guid>> ConnectWithRoleAsync(Caller caller, string? name, string? roleArn, CancellationToken ct = default)
    {
        var (accountId, error) = AccountInput.ParseRoleArn(roleArn);
        if (accountId is not { } awsId)
        {
            return ServiceError.Invalid(error!);
        }
        // Counted only once the input is well-formed: it is the call to STS that costs.
        if (limits.TryConnect(caller.UserId) is { } limited)
        {
            return limited;
        }
        var externalId = await GetOrCreateExternalIdAsync(caller, ct);
        CallerIdentity who;
        try
        {
            var credentials = await identity.AssumeRoleAsync(roleArn!.Trim(), externalId, ct);
            // The External ID protects the account only if the role insists on it: nothing of a role that lets anyone in is kept.
            if (await identity.AcceptsAnyExternalIdAsync(roleArn.Trim(), ct))
            {
                return AnyExternalId;
            }
            who = await identity.GetCallerIdentityAsync(credentials, ct);
        }
        catch (InventoryException e)
        {
            return ServiceError.Invalid(e.Message);
        }
        if (who.AccountId != awsId.Value)
        {
            return ServiceError.Invalid($"The role answered from AWS account {who.AccountId}, not {awsId}: check the role ARN.");
        }
        if (await CheckTakenAsync(caller, awsId, ct) is { } taken)
        {
            return taken;
        }
        var account = new Account(awsId, caller.UserId, NameOr(name, $"AWS {awsId}"), ConnectionMethod.IamRole, clock.GetUtcNow());
        account.UseRole(roleArn!.Trim(), externalId);
        return await SaveAndDiscoverAsync(caller, account, consumePendingExternalId: true, ct);
    }

    public async Task<Result<Guid>> ConnectWithAccessKeysAsync(Caller caller, string? name, string? accessKeyId, string? secretAccessKey, CancellationToken ct = default)
    {
        accessKeyId = accessKeyId?.Trim();
        secretAccessKey = secretAccessKey?.Trim();
        if (!AccountInput.IsAccessKeyId(accessKeyId))
        {
            return ServiceError.Invalid("An access key id is AKIA or ASIA followed by 16 upper-case letters and digits.");
        }
        if (!AccountInput.IsSecretAccessKey(secretAccessKey))
        {
            return ServiceError.Invalid("A secret access key is exactly 40 characters (letters, digits, / and +).");
        }
        if (accessKeyId!.StartsWith("ASIA", StringComparison.Ordinal))
        {
            return ServiceError.Invalid("ASIA keys are temporary session credentials and would stop working within hours. Use a long-lived AKIA key, or the IAM role option.");
        }
        if (limits.TryConnect(caller.UserId) is { } limited)
        {
            return limited;
        }
        CallerIdentity who;
        try
        {
            who = await identity.GetCallerIdentityAsync(new BasicAWSCredentials(accessKeyId, secretAccessKey), ct);
        }
        catch (InventoryException e)
        {
            return ServiceError.Invalid(e.Message);
        }
        if (who.IsRootUser)
        {
            return RootKeys;
        }
        var awsId = AwsAccountId.Parse(who.AccountId);
        if (await CheckTakenAsync(caller, awsId, ct) is { } taken)
        {
            return taken;
        }
        var account = new Account(awsId, caller.UserId, NameOr(name, $"AWS {awsId}"), ConnectionMethod.AccessKeys, clock.GetUtcNow());
        account.UseAccessKeys(accessKeyId, protector.Protect(secretAccessKey!, AccountCredentials.SecretPurpose(account.Id)), protector.CurrentKeyVersion);
        return await SaveAndDiscoverAsync(caller, account, consumePendingExternalId: false, ct);
    }

    /// <summary>The sample account: a simulated fleet, no AWS. One per user.</summary>
    public async Task<Result<Guid>> ConnectSandboxAsync(Caller caller, CancellationToken ct = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (await db.Accounts.AnyAsync(a => a.OwnerId == caller.UserId && a.Method == ConnectionMethod.Sandbox, ct))
            {
                return SampleTaken;
            }
        }
        // Sample accounts get ids in 999xxxxxxxxx, a block no real AWS account uses in practice.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var awsId = AwsAccountId.Parse("999" + RandomNumberGenerator.GetInt32(0, 1_000_000_000).ToString("D9", System.Globalization.CultureInfo.InvariantCulture));
            var account = new Account(awsId, caller.UserId, "Sample account", ConnectionMethod.Sandbox, clock.GetUtcNow());
            var result = await SaveAndDiscoverAsync(caller, account, consumePendingExternalId: false, ct);
            if (result.Error != Taken)
            {
                return result;
            }
        }
        return ServiceError.Conflict("Could not create the sample account. Try again.");
    }

    /// <summary>Starts a discovery now, unless one is working on the account (see <see cref="DiscoveryScheduler.RescanAsync"/>).</summary>
    public async Task<Result> RescanAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct);
        if (account is null)
        {
            return NotYours;
        }
        var started = await discovery.RescanAsync(account, ct);
        if (started.Succeeded)
        {
            // The scan is a Hangfire job, not a row of ours: recorded once it is on its way.
            await audit.RecordAsync(caller, AuditActions.AccountRescan, AuditTargets.Account, account.Id.ToString(), account.Name,
                $"AWS {account.AwsAccountId}", CancellationToken.None);
        }
        return started;
    }

    /// <summary>Deletes the account with its credentials, instances, volumes and addresses (cascade), and its schedule.</summary>
    public async Task<Result> RemoveAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct);
        if (account is null)
        {
            return NotYours;
        }
        db.AuditEvents.Add(audit.Entry(caller, AuditActions.AccountRemoved, AuditTargets.Account, account.Id.ToString(), account.Name,
            AuditDetail(account)));
        await RemoveAsync(db, caller, account, ct);
        return Result.Ok;
    }

    /// <summary>
    /// Deletes <paramref name="account"/>, tracked by <paramref name="db"/>, whoever owns it: the caller has been checked already
    /// (the owner, or an administrator). One SaveChanges, so whatever else <paramref name="db"/> holds (an audit entry) is saved
    /// with the deletion or not at all. Throws <see cref="DbUpdateConcurrencyException"/> when the account was deleted meanwhile.
    /// </summary>
    internal async Task RemoveAsync(CostPilotDbContext db, Caller caller, Account account, CancellationToken ct)
    {
        db.Accounts.Remove(account);
        await db.SaveChangesAsync(ct);
        await ForgetRemovedAsync(recurringJobs, events, account, clock.GetUtcNow(), ct);
        LogRemoved(logger, caller.UserId, account.Id);
    }

    /// <summary>
    /// What follows an account's deletion, whoever deleted it (its owner, an administrator, or with its user): its recurring
    /// discovery is unscheduled and open pages, on any node, hear that it is gone.
    /// </summary>
    internal static Task ForgetRemovedAsync(IRecurringJobManager recurringJobs, AccountEventPublisher events, Account account, DateTimeOffset at,
        CancellationToken ct)
    {
        recurringJobs.RemoveIfExists(RecurringJobId(account.Id));
        return events.PublishAsync(AccountEvent.RemovedNow(account, at), ct);
    }

    public static string RecurringJobId(Guid accountId) => $"discovery-{accountId}";

    /// <summary>The audit entry's particulars for a client's own account.</summary>
    private static string AuditDetail(Account account) => $"AWS {account.AwsAccountId} · {account.Method}";

    private async Task<Result<Guid>> SaveAndDiscoverAsync(Caller caller, Account account, bool consumePendingExternalId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One transaction: an insert that loses the race below must not consume the External ID the role trusts.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Accounts.Add(account);
        db.AuditEvents.Add(audit.Entry(caller, AuditActions.AccountConnected, AuditTargets.Account, account.Id.ToString(), account.Name,
            AuditDetail(account)));
        if (consumePendingExternalId)
        {
            await db.PendingConnections.Where(p => p.OwnerId == caller.UserId).ExecuteDeleteAsync(ct);
        }
        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique)
        {
            // Between our check and our insert, someone connected the same AWS account, or another tab made the user's sample account.
            return unique.ConstraintName == AccountConfiguration.OneSamplePerOwnerIndex ? SampleTaken : Taken;
        }
        LogConnected(logger, caller.UserId, account.Id, account.Method);
        // The user's other tabs, on any node, list the new account at once; published before the job can start, so the
        // job's own events come after it.
        await events.PublishAsync(AccountEvent.Connected(account, clock.GetUtcNow()), CancellationToken.None);
        Enqueue(account);
        recurringJobs.AddOrUpdate<DiscoveryJob>(RecurringJobId(account.Id),
            j => j.RunAsync(account.Id, Label(account), CancellationToken.None),
            configuration["CostPilot:Discovery:Schedule"] ?? "0 */6 * * *");
        return account.Id;
    }

    private void Enqueue(Account account) => discovery.Enqueue(account.Id, Label(account));

    private static string Label(Account account) => DiscoveryScheduler.Label(account.Name, account.AwsAccountId);

    /// <summary>
    /// Whether the AWS account is connected already, by the caller or by someone else. Asked only once the caller has proved access
    /// to the account through STS: before that, the answer would tell anyone which AWS accounts use CostPilot.
    /// </summary>
    private async Task<ServiceError?> CheckTakenAsync(Caller caller, AwsAccountId awsId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var owner = await db.Accounts.Where(a => a.AwsAccountId == awsId).Select(a => a.OwnerId).FirstOrDefaultAsync(ct);
        return owner is null ? null : owner == caller.UserId ? AlreadyYours : Taken;
    }

    private static string NameOr(string? name, string fallback) => string.IsNullOrWhiteSpace(name) ? fallback : name.Trim();

    // 40 characters from [A-Za-z0-9]: about 238 bits, and safe inside YAML, shell commands and ARNs' condition values.
    private static string NewExternalId() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} connected account {AccountId} ({Method})")]
    private static partial void LogConnected(ILogger logger, string userId, Guid accountId, ConnectionMethod method);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} removed account {AccountId}")]
    private static partial void LogRemoved(ILogger logger, string userId, Guid accountId);
}
