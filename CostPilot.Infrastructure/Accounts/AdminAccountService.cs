using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Recommendations;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Accounts;

public enum AdminAccountSort
{
    Name,
    Owner,
    Status,
    LastScan,
    Instances,
    MonthlyCost,
}

/// <summary>What the admin accounts page asks: one status, words in the owner's e-mail, an order and a page.</summary>
public sealed record AdminAccountQuery(
    AccountStatus? Status = null,
    string? Owner = null,
    AdminAccountSort SortBy = AdminAccountSort.Name,
    bool Descending = false,
    int Skip = 0,
    int Take = 25);

/// <summary>
/// One AWS account as administrators see it, whoever owns it. Never a credential: no role ARN, External ID, access key or
/// secret (a test checks this type's properties).
/// </summary>
public sealed record AdminAccountRow(
    Guid Id,
    string Name,
    string AwsAccountId,
    string OwnerId,
    string OwnerEmail,
    ConnectionMethod Method,
    AccountStatus Status,
    string? StatusMessage,
    DateTimeOffset? LastScanAt,
    int Instances,
    CostBreakdown Cost,
    AccountSavings Savings)
{
    /// <summary>
    /// The last scan finished but some regions could not be scanned; <see cref="StatusMessage"/> names them with AWS's reasons.
    /// Discovery keeps region failures only in that message (<see cref="Account.CompleteDiscovery"/>), not per region.
    /// </summary>
    public bool HasRegionErrors => Status == AccountStatus.Active && StatusMessage is not null;
}

public sealed record AdminAccountPage(IReadOnlyList<AdminAccountRow> Rows, int Total);

/// <summary>
/// Every tenant's AWS accounts for administrators: the paged list with owners, costs and savings, and the rescan and removal
/// an owner could do, without the ownership check. Both actions go into the audit trail. Every method refuses anyone but an
/// administrator.
/// </summary>
public sealed class AdminAccountService(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    AccountService accounts,
    DiscoveryScheduler discovery,
    AuditTrail audit)
{
    public const int MaxTake = 500;
    public const int MaxOwnerSearchLength = 256;

    /// <summary>Shown for an owner whose user row is missing (never expected: deleting a user deletes their accounts).</summary>
    public const string UnknownOwner = "(unknown owner)";

    private static readonly ServiceError Gone = ServiceError.NotFound("That account no longer exists.");

    public async Task<Result<AdminAccountPage>> ListAsync(Caller caller, AdminAccountQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        if (caller.AdminError() is { } forbidden)
        {
            return forbidden;
        }
        if (query.Owner is { Length: > MaxOwnerSearchLength })
        {
            return ServiceError.Invalid($"Search for at most {MaxOwnerSearchLength} characters of an e-mail address.");
        }
        if (query.Status is { } wanted && !Enum.IsDefined(wanted))
        {
            return ServiceError.Invalid("Unknown account status.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var selected = db.Accounts.AsNoTracking();
        if (query.Status is { } status)
        {
            selected = selected.Where(a => a.Status == status);
        }
        if (!string.IsNullOrWhiteSpace(query.Owner))
        {
            var pattern = Like.Contains(query.Owner);
            selected = selected.Where(a => db.Users.Any(u => u.Id == a.OwnerId && EF.Functions.ILike(u.Email ?? "", pattern, Like.Escape)));
        }
        var total = await selected.CountAsync(ct);
        var page = Sort(db, selected, query).Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, MaxTake));
        var rows = await InventoryQueryService.RowsAsync(db, page, ct);
        var ids = rows.Select(r => r.Id).ToList();
        var owners = await db.Accounts.AsNoTracking().Where(a => ids.Contains(a.Id))
            .Select(a => new { a.Id, a.OwnerId, Email = db.Users.Where(u => u.Id == a.OwnerId).Select(u => u.Email).FirstOrDefault() })
            .ToDictionaryAsync(a => a.Id, ct);
        var savings = await RecommendationService.SavingsAsync(db, db.Accounts.Where(a => ids.Contains(a.Id)).Select(a => a.Id), ct);
        return new AdminAccountPage(
            [.. rows.Where(r => owners.ContainsKey(r.Id)).Select(r => new AdminAccountRow(
                r.Id, r.Name, r.AwsAccountId, owners[r.Id].OwnerId, owners[r.Id].Email ?? UnknownOwner, r.Method, r.Status, r.StatusMessage,
                r.LastDiscoveryAt, r.Instances, r.Cost, savings.GetValueOrDefault(r.Id) ?? AccountSavings.None))],
            total);
    }

    /// <summary>
    /// Starts a discovery of any tenant's account now, with the same refusals and rate limit as the owner's "Rescan now"
    /// (<see cref="DiscoveryScheduler.RescanAsync"/>). Only a rescan that starts is audited.
    /// </summary>
    public async Task<Result> RescanAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.AdminError() is { } forbidden)
        {
            return forbidden;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null)
        {
            return Gone;
        }
        var owner = await OwnerEmailAsync(db, account.OwnerId, ct);
        var started = await discovery.RescanAsync(account, ct);
        if (!started.Succeeded)
        {
            return started;
        }
        // The change is a job in Hangfire's queue, not a row of ours: the entry is saved on its own, and whatever the page does now.
        await audit.RecordAsync(caller, AuditActions.AdminAccountRescan, AuditTargets.Account, accountId.ToString(), account.Name,
            Detail(account, owner), CancellationToken.None);
        return Result.Ok;
    }

    /// <summary>
    /// Removes any tenant's account as its owner's "Remove" does (credentials, inventory, recommendations and schedule), with
    /// its audit entry in the same transaction.
    /// </summary>
    public async Task<Result> RemoveAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.AdminError() is { } forbidden)
        {
            return forbidden;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null)
        {
            return Gone;
        }
        var owner = await OwnerEmailAsync(db, account.OwnerId, ct);
        db.AuditEvents.Add(audit.Entry(caller, AuditActions.AdminAccountRemoved, AuditTargets.Account, accountId.ToString(), account.Name,
            Detail(account, owner)));
        try
        {
            await accounts.RemoveAsync(db, caller, account, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Removed by its owner or another admin meanwhile: nothing was saved, the entry included.
            return Gone;
        }
        return Result.Ok;
    }

    private static string Detail(Account account, string owner) => $"owner {owner}, AWS account {account.AwsAccountId}";

    private static async Task<string> OwnerEmailAsync(CostPilotDbContext db, string ownerId, CancellationToken ct) =>
        await db.Users.AsNoTracking().Where(u => u.Id == ownerId).Select(u => u.Email).FirstOrDefaultAsync(ct) ?? UnknownOwner;

    /// <summary>Every order ends on the id, so pages never overlap; accounts never scanned sort last both ways.</summary>
    private static IQueryable<Account> Sort(CostPilotDbContext db, IQueryable<Account> accounts, AdminAccountQuery query) =>
        (query.SortBy, query.Descending) switch
        {
            (AdminAccountSort.Owner, false) => accounts.OrderBy(a => db.Users.Where(u => u.Id == a.OwnerId).Select(u => u.Email).FirstOrDefault())
                .ThenBy(a => a.Name).ThenBy(a => a.Id),
            (AdminAccountSort.Owner, true) => accounts.OrderByDescending(a => db.Users.Where(u => u.Id == a.OwnerId).Select(u => u.Email).FirstOrDefault())
                .ThenBy(a => a.Name).ThenBy(a => a.Id),
            (AdminAccountSort.Status, false) => accounts.OrderBy(a => a.Status).ThenBy(a => a.Name).ThenBy(a => a.Id),
            (AdminAccountSort.Status, true) => accounts.OrderByDescending(a => a.Status).ThenBy(a => a.Name).ThenBy(a => a.Id),
            (AdminAccountSort.LastScan, false) => accounts.OrderBy(a => a.LastDiscoveryAt == null).ThenBy(a => a.LastDiscoveryAt).ThenBy(a => a.Id),
            (AdminAccountSort.LastScan, true) => accounts.OrderBy(a => a.LastDiscoveryAt == null).ThenByDescending(a => a.LastDiscoveryAt).ThenBy(a => a.Id),
            (AdminAccountSort.Instances, false) => accounts.OrderBy(a => db.Instances.Count(i => i.AccountId == a.Id && i.GoneAt == null)).ThenBy(a => a.Id),
            (AdminAccountSort.Instances, true) => accounts.OrderByDescending(a => db.Instances.Count(i => i.AccountId == a.Id && i.GoneAt == null)).ThenBy(a => a.Id),
            // The known part of the cost, as the row shows it (unknown prices add nothing).
            (AdminAccountSort.MonthlyCost, false) => accounts.OrderBy(a =>
                    (db.Instances.Where(i => i.AccountId == a.Id && i.GoneAt == null).Sum(i => i.MonthlyUsd) ?? 0m)
                    + (db.Volumes.Where(v => v.AccountId == a.Id).Sum(v => v.MonthlyUsd) ?? 0m)
                    + (db.Addresses.Where(x => x.AccountId == a.Id).Sum(x => x.MonthlyUsd) ?? 0m))
                .ThenBy(a => a.Id),
            (AdminAccountSort.MonthlyCost, true) => accounts.OrderByDescending(a =>
                    (db.Instances.Where(i => i.AccountId == a.Id && i.GoneAt == null).Sum(i => i.MonthlyUsd) ?? 0m)
                    + (db.Volumes.Where(v => v.AccountId == a.Id).Sum(v => v.MonthlyUsd) ?? 0m)
                    + (db.Addresses.Where(x => x.AccountId == a.Id).Sum(x => x.MonthlyUsd) ?? 0m))
                .ThenBy(a => a.Id),
            (_, false) => accounts.OrderBy(a => a.Name).ThenBy(a => a.Id),
            (_, true) => accounts.OrderByDescending(a => a.Name).ThenBy(a => a.Id),
        };
}
