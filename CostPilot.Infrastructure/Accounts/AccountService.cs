using System.Security.Cryptography;
using Amazon.Runtime;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Security;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CostPilot.Infrastructure.Accounts;

/// <summary>
/// Connecting, listing, rescanning and removing AWS accounts. Every method takes the caller and only
/// ever touches the caller's own accounts.
/// </summary>
public sealed partial class AccountService(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    AwsIdentityService identity,
    SecretProtector protector,
    DiscoveryScheduler discovery,
    IRecurringJobManager recurringJobs,
    AccountEventPublisher events,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<AccountService> logger)
{
    private const string TakenMessage = "This AWS account is already connected to CostPilot by another user. Ask them, or an administrator, to remove it first.";
    private const string AlreadyYoursMessage = "You have already connected this AWS account.";

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

    public async Task<ConnectResult> ConnectWithRoleAsync(Caller caller, string? name, string? roleArn, CancellationToken ct = default)
    {
        var (accountId, error) = AccountInput.ParseRoleArn(roleArn);
        if (accountId is not { } awsId)
        {
            return ConnectResult.Fail(error!);
        }
        if (await CheckTakenAsync(caller, awsId, ct) is { } taken)
        {
            return ConnectResult.Fail(taken);
        }
        var externalId = await GetOrCreateExternalIdAsync(caller, ct);
        CallerIdentity who;
        try
        {
            var credentials = await identity.AssumeRoleAsync(roleArn!.Trim(), externalId, ct);
            who = await identity.GetCallerIdentityAsync(credentials, ct);
        }
        catch (InventoryException e)
        {
            return ConnectResult.Fail(e.Message);
        }
        if (who.AccountId != awsId.Value)
        {
            return ConnectResult.Fail($"The role answered from AWS account {who.AccountId}, not {awsId}: check the role ARN.");
        }
        var account = new Account(awsId, caller.UserId, NameOr(name, $"AWS {awsId}"), ConnectionMethod.IamRole, clock.GetUtcNow());
        account.UseRole(roleArn!.Trim(), externalId);
        return await SaveAndDiscoverAsync(caller, account, consumePendingExternalId: true, ct);
    }

    public async Task<ConnectResult> ConnectWithAccessKeysAsync(Caller caller, string? name, string? accessKeyId, string? secretAccessKey, CancellationToken ct = default)
    {
        accessKeyId = accessKeyId?.Trim();
        secretAccessKey = secretAccessKey?.Trim();
        if (!AccountInput.IsAccessKeyId(accessKeyId))
        {
            return ConnectResult.Fail("An access key id is AKIA or ASIA followed by 16 upper-case letters and digits.");
        }
        if (!AccountInput.IsSecretAccessKey(secretAccessKey))
        {
            return ConnectResult.Fail("A secret access key is exactly 40 characters (letters, digits, / and +).");
        }
        if (accessKeyId!.StartsWith("ASIA", StringComparison.Ordinal))
        {
            return ConnectResult.Fail("ASIA keys are temporary session credentials and would stop working within hours. Use a long-lived AKIA key, or the IAM role option.");
        }
        CallerIdentity who;
        try
        {
            who = await identity.GetCallerIdentityAsync(new BasicAWSCredentials(accessKeyId, secretAccessKey), ct);
        }
        catch (InventoryException e)
        {
            return ConnectResult.Fail(e.Message);
        }
        var awsId = AwsAccountId.Parse(who.AccountId);
        if (await CheckTakenAsync(caller, awsId, ct) is { } taken)
        {
            return ConnectResult.Fail(taken);
        }
        var account = new Account(awsId, caller.UserId, NameOr(name, $"AWS {awsId}"), ConnectionMethod.AccessKeys, clock.GetUtcNow());
        account.UseAccessKeys(accessKeyId, protector.Protect(secretAccessKey!, InventorySourceFactory.SecretPurpose(account.Id)), protector.CurrentKeyVersion);
        return await SaveAndDiscoverAsync(caller, account, consumePendingExternalId: false, ct);
    }

    /// <summary>The sample account: a simulated fleet, no AWS. One per user.</summary>
    public async Task<ConnectResult> ConnectSandboxAsync(Caller caller, CancellationToken ct = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (await db.Accounts.AnyAsync(a => a.OwnerId == caller.UserId && a.Method == ConnectionMethod.Sandbox, ct))
            {
                return ConnectResult.Fail("You already have the sample account.");
            }
        }
        // Sample accounts get ids in 999xxxxxxxxx, a block no real AWS account uses in practice.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var awsId = AwsAccountId.Parse("999" + RandomNumberGenerator.GetInt32(0, 1_000_000_000).ToString("D9", System.Globalization.CultureInfo.InvariantCulture));
            var account = new Account(awsId, caller.UserId, "Sample account", ConnectionMethod.Sandbox, clock.GetUtcNow());
            var result = await SaveAndDiscoverAsync(caller, account, consumePendingExternalId: false, ct);
            if (result.Error != TakenMessage)
            {
                return result;
            }
        }
        return ConnectResult.Fail("Could not create the sample account. Try again.");
    }

    public async Task<IReadOnlyList<AccountRow>> ListAsync(Caller caller, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await RowsAsync(db, db.Accounts.Where(a => a.OwnerId == caller.UserId).OrderBy(a => a.Name).ThenBy(a => a.CreatedAt), ct);
    }

    public async Task<AccountDetail?> GetAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = (await RowsAsync(db, db.Accounts.Where(a => a.Id == accountId && a.OwnerId == caller.UserId), ct)).SingleOrDefault();
        if (row is null)
        {
            return null;
        }
        var regions = await db.Instances.Where(i => i.AccountId == accountId && i.GoneAt == null)
            .GroupBy(i => i.Region)
            .Select(g => new RegionCount(g.Key, g.Count(i => i.State == "running"), g.Count(i => i.State == "stopped"), g.Count(i => i.State != "running" && i.State != "stopped")))
            .ToListAsync(ct);
        var volumes = await db.Volumes.Where(v => v.AccountId == accountId).GroupBy(v => 1)
            .Select(g => new { Total = g.Count(), Unattached = g.Count(v => v.AttachedInstanceId == null) }).SingleOrDefaultAsync(ct);
        var addresses = await db.Addresses.Where(a => a.AccountId == accountId).GroupBy(a => 1)
            .Select(g => new { Total = g.Count(), Idle = g.Count(a => a.AssociationId == null) }).SingleOrDefaultAsync(ct);
        var scans = await RegionScansAsync(db, accountId, ct);
        return new AccountDetail(row, [.. regions
                .Select(r => r with { LastScanAt = scans.GetValueOrDefault(r.Region) })
                .OrderByDescending(r => r.Total).ThenBy(r => r.Region, StringComparer.Ordinal)],
            volumes?.Total ?? 0, volumes?.Unattached ?? 0, addresses?.Total ?? 0, addresses?.Idle ?? 0);
    }

    public async Task<InstancePage> QueryInstancesAsync(Caller caller, Guid accountId, InstanceQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct))
        {
            throw new ForbiddenException("That account does not exist or is not yours.");
        }
        var instances = db.Instances.AsNoTracking().Where(i => i.AccountId == accountId);
        if (!query.IncludeGone)
        {
            instances = instances.Where(i => i.GoneAt == null);
        }
        if (!string.IsNullOrEmpty(query.Region))
        {
            instances = instances.Where(i => i.Region == query.Region);
        }
        if (!string.IsNullOrEmpty(query.State))
        {
            instances = instances.Where(i => i.State == query.State);
        }
        if (!string.IsNullOrWhiteSpace(query.InstanceType))
        {
            var type = query.InstanceType.Trim();
            instances = type.EndsWith('.') || !type.Contains('.')
                ? instances.Where(i => i.InstanceType.StartsWith(type.TrimEnd('.') + "."))
                : instances.Where(i => i.InstanceType == type);
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var pattern = $"%{UserAdminService.EscapeLike(query.Text.Trim())}%";
            // Name, id, or any tag value (the tags column is jsonb; ::text searches keys and values).
            instances = instances.Where(i => EF.Functions.ILike(i.InstanceId, pattern, "\\")
                || EF.Functions.ILike(i.Name ?? "", pattern, "\\")
                || EF.Functions.ILike(EF.Property<string>(i, Persistence.Configurations.InstanceConfiguration.TagsText), pattern, "\\"));
        }
        var total = await instances.CountAsync(ct);
        instances = (query.SortBy, query.Descending) switch
        {
            (InstanceSort.InstanceId, false) => instances.OrderBy(i => i.InstanceId),
            (InstanceSort.InstanceId, true) => instances.OrderByDescending(i => i.InstanceId),
            (InstanceSort.Region, false) => instances.OrderBy(i => i.Region).ThenBy(i => i.InstanceId),
            (InstanceSort.Region, true) => instances.OrderByDescending(i => i.Region).ThenBy(i => i.InstanceId),
            (InstanceSort.InstanceType, false) => instances.OrderBy(i => i.InstanceType).ThenBy(i => i.InstanceId),
            (InstanceSort.InstanceType, true) => instances.OrderByDescending(i => i.InstanceType).ThenBy(i => i.InstanceId),
            (InstanceSort.State, false) => instances.OrderBy(i => i.State).ThenBy(i => i.InstanceId),
            (InstanceSort.State, true) => instances.OrderByDescending(i => i.State).ThenBy(i => i.InstanceId),
            (InstanceSort.LaunchTime, false) => instances.OrderBy(i => i.LaunchTime).ThenBy(i => i.InstanceId),
            (InstanceSort.LaunchTime, true) => instances.OrderByDescending(i => i.LaunchTime).ThenBy(i => i.InstanceId),
            (_, false) => instances.OrderBy(i => i.Name).ThenBy(i => i.InstanceId),
            (_, true) => instances.OrderByDescending(i => i.Name).ThenBy(i => i.InstanceId),
        };
        var rows = await instances.Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, 500))
            .Select(i => new InstanceRow(i.Id, i.InstanceId, i.Name, i.Region, i.InstanceType, i.State, i.AvailabilityZone,
                i.Platform, i.Architecture, i.Lifecycle, i.LaunchTime, i.Tags, i.GoneAt, i.LastSeenAt))
            .ToListAsync(ct);
        var scans = await RegionScansAsync(db, accountId, ct);
        return new InstancePage([.. rows.Select(r => r with
        {
            LastSeenAt = RegionScan.LastSeen(r.LastSeenAt, r.GoneAt, scans.GetValueOrDefault(r.Region)),
        })], total);
    }

    /// <summary>Region → when its last complete scan ended (absent: never); a few dozen rows at most.</summary>
    private static Task<Dictionary<string, DateTimeOffset?>> RegionScansAsync(CostPilotDbContext db, Guid accountId, CancellationToken ct) =>
        db.RegionScans.AsNoTracking().Where(r => r.AccountId == accountId)
            .ToDictionaryAsync(r => r.Region, r => (DateTimeOffset?)r.CompletedAt, StringComparer.Ordinal, ct);

    /// <summary>Starts a discovery now, unless one is working on the account (see <see cref="DiscoveryScheduler.RescanAsync"/>).</summary>
    public async Task<RescanResult> RescanAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct);
        return account is null ? RescanResult.NotFound : await discovery.RescanAsync(account, ct);
    }

    /// <summary>Deletes the account with its credentials, instances, volumes and addresses (cascade), and its schedule.</summary>
    public async Task<bool> RemoveAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct);
        if (account is null)
        {
            return false;
        }
        db.Accounts.Remove(account);
        await db.SaveChangesAsync(ct);
        recurringJobs.RemoveIfExists(RecurringJobId(accountId));
        await events.PublishAsync(new AccountEvent(account.Id, account.OwnerId, account.Status, null, 0, 0, 0, Removed: true, clock.GetUtcNow()), ct);
        LogRemoved(logger, caller.UserId, accountId);
        return true;
    }

    public static string RecurringJobId(Guid accountId) => $"discovery-{accountId}";

    private async Task<ConnectResult> SaveAndDiscoverAsync(Caller caller, Account account, bool consumePendingExternalId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One transaction: an insert that loses the race below must not consume the External ID the role trusts.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Accounts.Add(account);
        if (consumePendingExternalId)
        {
            await db.PendingConnections.Where(p => p.OwnerId == caller.UserId).ExecuteDeleteAsync(ct);
        }
        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Someone connected the same AWS account between our check and our insert.
            return ConnectResult.Fail(TakenMessage);
        }
        LogConnected(logger, caller.UserId, account.Id, account.Method);
        // The user's other tabs, on any node, list the new account at once; published before the job can start, so the
        // job's own events come after it.
        await events.PublishAsync(new AccountEvent(account.Id, account.OwnerId, account.Status, null, 0, 0, 0, Removed: false, clock.GetUtcNow()), CancellationToken.None);
        Enqueue(account);
        recurringJobs.AddOrUpdate<DiscoveryJob>(RecurringJobId(account.Id),
            j => j.RunAsync(account.Id, Label(account), CancellationToken.None),
            configuration["CostPilot:Discovery:Schedule"] ?? "0 */6 * * *");
        return new ConnectResult(account.Id, null);
    }

    private void Enqueue(Account account) => discovery.Enqueue(account.Id, Label(account));

    private static string Label(Account account) => DiscoveryScheduler.Label(account.Name, account.AwsAccountId);

    private async Task<string?> CheckTakenAsync(Caller caller, AwsAccountId awsId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var owner = await db.Accounts.Where(a => a.AwsAccountId == awsId).Select(a => a.OwnerId).FirstOrDefaultAsync(ct);
        return owner is null ? null : owner == caller.UserId ? AlreadyYoursMessage : TakenMessage;
    }

    private static async Task<List<AccountRow>> RowsAsync(CostPilotDbContext db, IQueryable<Account> accounts, CancellationToken ct)
    {
        var rows = await accounts.Select(a => new
        {
            Account = a,
            Instances = db.Instances.Count(i => i.AccountId == a.Id && i.GoneAt == null),
            Running = db.Instances.Count(i => i.AccountId == a.Id && i.GoneAt == null && i.State == "running"),
        }).AsNoTracking().ToListAsync(ct);
        return [.. rows.Select(r => new AccountRow(
            r.Account.Id, r.Account.Name, r.Account.AwsAccountId.Value, r.Account.Method, r.Account.Status, r.Account.StatusMessage,
            r.Account.CreatedAt, r.Account.LastDiscoveryAt, r.Instances, r.Running))];
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
