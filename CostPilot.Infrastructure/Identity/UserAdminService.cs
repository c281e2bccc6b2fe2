using System.Security.Cryptography;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CostPilot.Infrastructure.Identity;

/// <summary>Whether a user may sign in: yes, not until a lockout ends, or not until an administrator enables them.</summary>
public enum UserStatus
{
    Active,
    Locked,
    Disabled,
}

public sealed record UserRow(
    string Id,
    string Email,
    string? DisplayName,
    IReadOnlyList<string> Roles,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt,
    DateTimeOffset? LockedOutUntil,
    int AccountCount,
    DateTimeOffset? DisabledAt = null,
    bool LockedUntilUnlocked = false)
{
    /// <summary>Disabled wins over locked: enabling is what they need first.</summary>
    public UserStatus Status => DisabledAt is not null ? UserStatus.Disabled : LockedOutUntil is not null ? UserStatus.Locked : UserStatus.Active;

    public bool IsSuperAdmin => Roles.Contains(Domain.Users.Roles.SuperAdmin);

    public bool IsAdmin => IsSuperAdmin || Roles.Contains(Domain.Users.Roles.Admin);
}

public sealed record UserPage(IReadOnlyList<UserRow> Rows, int Total);

/// <summary>What deleting a user removes with them, for the confirmation that names it.</summary>
public sealed record UserDeletion(string UserId, string Email, IReadOnlyList<string> AccountNames, int InstanceCount);

/// <summary>
/// What admins do with users: list them; lock, unlock, disable, enable, sign out and delete them; promote and demote them.
/// <para>
/// The rules, checked here whatever the page shows: nobody acts on themselves; only a super admin acts on an admin or a super
/// admin, and only a super admin changes roles; nothing may leave CostPilot without a super admin who can sign in (not
/// disabled, not locked). Each change is saved with its audit entry in one transaction, under one advisory lock, so two
/// super admins demoting each other at once cannot both succeed.
/// </para>
/// </summary>
public sealed partial class UserAdminService(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    AuditTrail audit,
    IRecurringJobManager recurringJobs,
    AccountEventPublisher events,
    TimeProvider clock,
    ILogger<UserAdminService> logger)
{
    /// <summary>The most users one page lists.</summary>
    public const int MaxTake = 500;

    private static readonly ServiceError UserGone = ServiceError.NotFound("That user no longer exists.");

    /// <summary>A lock set by an admin lasts until an admin lifts it: a century stands for "until unlocked".</summary>
    private static readonly TimeSpan LockedFor = TimeSpan.FromDays(36_500);

    /// <summary>A lockout longer than this was set by an admin, not by failed passwords (15 minutes).</summary>
    private static readonly TimeSpan IndefiniteLock = TimeSpan.FromDays(3_650);

    /// <summary>The advisory lock every change to a user takes (an arbitrary constant no other lock uses: "CPUSERS" in ASCII).</summary>
    private const long ChangeLockKey = 0x43_50_55_53_45_52_53;

    public async Task<Result<UserPage>> ListAsync(Caller caller, string? search, int skip, int take, CancellationToken ct = default)
    {
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        take = Math.Clamp(take, 1, MaxTake);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = Like.Contains(search);
            query = query.Where(u => EF.Functions.ILike(u.Email!, pattern, Like.Escape) || EF.Functions.ILike(u.DisplayName ?? "", pattern, Like.Escape));
        }
        var total = await query.CountAsync(ct);
        var rows = await query
            .OrderBy(u => u.Email)
            .Skip(Math.Max(0, skip)).Take(take)
            .Select(u => new
            {
                u.Id,
                u.Email,
                u.DisplayName,
                u.CreatedAt,
                u.LastSignInAt,
                u.LockoutEnd,
                u.DisabledAt,
                Roles = db.UserRoles.Where(ur => ur.UserId == u.Id)
                    .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToList(),
                AccountCount = db.Accounts.Count(a => a.OwnerId == u.Id),
            })
            .ToListAsync(ct);
        var now = clock.GetUtcNow();
        return new UserPage(
            [.. rows.Select(u => new UserRow(u.Id, u.Email ?? "", u.DisplayName, u.Roles.Order().ToList(), u.CreatedAt, u.LastSignInAt,
                u.LockoutEnd > now ? u.LockoutEnd : null, u.AccountCount, u.DisabledAt, u.LockoutEnd > now + IndefiniteLock))],
            total);
    }

    /// <summary>Only a super admin promotes a user to admin or demotes an admin; a super admin is demoted with <see cref="SetSuperAdminAsync"/>.</summary>
    public Task<Result> SetAdminAsync(Caller caller, string userId, bool admin, CancellationToken ct = default) =>
        ChangeAsync(caller, userId, "change the role of", AuditActions.UserRolesChanged, superAdminOnly: true, async change =>
        {
            if (change.Roles.Contains(Roles.SuperAdmin))
            {
                return ServiceError.Forbidden($"{change.User.Email} is a super admin: remove super admin first.");
            }
            return await change.SetRolesAsync(admin ? [.. change.Roles, Roles.Admin] : change.Roles.Where(r => r != Roles.Admin));
        }, ct);

    /// <summary>
    /// Only a super admin makes a super admin (who then needs no admin role) or demotes one to admin; never the last super admin
    /// who can sign in.
    /// </summary>
    public Task<Result> SetSuperAdminAsync(Caller caller, string userId, bool superAdmin, CancellationToken ct = default) =>
        ChangeAsync(caller, userId, "change the role of", AuditActions.UserRolesChanged, superAdminOnly: true, async change =>
        {
            if (superAdmin)
            {
                return await change.SetRolesAsync([.. change.Roles.Where(r => r != Roles.Admin), Roles.SuperAdmin]);
            }
            if (!change.Roles.Contains(Roles.SuperAdmin))
            {
                return null;
            }
            return await change.KeepsASuperAdminAsync("demote")
                ?? await change.SetRolesAsync([.. change.Roles.Where(r => r != Roles.SuperAdmin), Roles.Admin]);
        }, ct);

    /// <summary>
    /// Locks a user out until an admin unlocks them, and ends their open sessions (a new security stamp): refused on the
    /// admin pages at once, in open pages within 30 s.
    /// </summary>
    public Task<Result> LockAsync(Caller caller, string userId, CancellationToken ct = default) =>
        ChangeAsync(caller, userId, "lock", AuditActions.UserLocked, superAdminOnly: false, async change =>
        {
            if (await change.KeepsASuperAdminAsync("lock") is { } last)
            {
                return last;
            }
            change.User.LockoutEnabled = true;
            change.User.LockoutEnd = clock.GetUtcNow().Add(LockedFor);
            change.EndSessions();
            change.Detail = "locked until unlocked; sessions ended";
            return null;
        }, ct);

    /// <summary>Lifts a lockout, an admin's or one after failed passwords.</summary>
    public Task<Result> UnlockAsync(Caller caller, string userId, CancellationToken ct = default) =>
        ChangeAsync(caller, userId, "unlock", AuditActions.UserUnlocked, superAdminOnly: false, change =>
        {
            if (change.User.LockoutEnd is null && change.User.AccessFailedCount == 0)
            {
                return Task.FromResult<ServiceError?>(null);
            }
            change.Detail = change.User.LockoutEnd is { } until ? $"was locked until {until.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "failed attempts reset";
            change.User.LockoutEnd = null;
            change.User.AccessFailedCount = 0;
            return Task.FromResult<ServiceError?>(null);
        }, ct);

    /// <summary>
    /// Disables a user until an admin enables them: sign-in refuses them (<see cref="CostPilotSignInManager"/>) and their open
    /// sessions end (a new security stamp).
    /// </summary>
    public Task<Result> DisableAsync(Caller caller, string userId, CancellationToken ct = default) =>
        ChangeAsync(caller, userId, "disable", AuditActions.UserDisabled, superAdminOnly: false, async change =>
        {
            if (change.User.DisabledAt is not null)
            {
                return null;
            }
            if (await change.KeepsASuperAdminAsync("disable") is { } last)
            {
                return last;
            }
            change.User.DisabledAt = clock.GetUtcNow();
            change.EndSessions();
            change.Detail = "disabled; sessions ended";
            return null;
        }, ct);

    public Task<Result> EnableAsync(Caller caller, string userId, CancellationToken ct = default) =>
        ChangeAsync(caller, userId, "enable", AuditActions.UserEnabled, superAdminOnly: false, change =>
        {
            if (change.User.DisabledAt is { } since)
            {
                change.User.DisabledAt = null;
                change.Detail = $"disabled since {since.UtcDateTime:yyyy-MM-dd HH:mm} UTC";
            }
            return Task.FromResult<ServiceError?>(null);
        }, ct);

    /// <summary>Ends every session of the user (a new security stamp) without locking them: they can sign in again at once.</summary>
    public Task<Result> SignOutAsync(Caller caller, string userId, CancellationToken ct = default) =>
        ChangeAsync(caller, userId, "sign out", AuditActions.UserSignedOut, superAdminOnly: false, change =>
        {
            change.EndSessions();
            change.Detail = "sessions ended";
            return Task.FromResult<ServiceError?>(null);
        }, ct);

    /// <summary>What <see cref="DeleteAsync"/> would remove, after the same checks, for the confirmation to name.</summary>
    public async Task<Result<UserDeletion>> PreviewDeleteAsync(Caller caller, string userId, CancellationToken ct = default)
    {
        UserDeletion? preview = null;
        var checkedOnly = await ChangeAsync(caller, userId, "delete", AuditActions.UserDeleted, superAdminOnly: false, async change =>
        {
            if (await change.KeepsASuperAdminAsync("delete") is { } last)
            {
                return last;
            }
            var (accounts, instances) = await change.OwnedAsync();
            preview = new UserDeletion(change.User.Id, change.User.Email ?? "", [.. accounts.Select(a => a.Name)], instances);
            return null;
        }, ct);
        return checkedOnly.Succeeded ? preview! : checkedOnly.Error;
    }

    /// <summary>
    /// Deletes the user with their AWS accounts and everything stored under them (the database cascades from each account, as
    /// when a client removes one), in one transaction with the audit entry; then unschedules the accounts' discoveries and
    /// tells open pages (<see cref="AccountService.ForgetRemovedAsync"/>). Their sessions end: the user is gone.
    /// </summary>
    public async Task<Result> DeleteAsync(Caller caller, string userId, CancellationToken ct = default)
    {
        List<Account> removed = [];
        var deleted = await ChangeAsync(caller, userId, "delete", AuditActions.UserDeleted, superAdminOnly: false, async change =>
        {
            if (await change.KeepsASuperAdminAsync("delete") is { } last)
            {
                return last;
            }
            var (accounts, instances) = await change.OwnedAsync();
            change.Db.Accounts.RemoveRange(accounts);
            change.Db.Users.Remove(change.User);
            removed = accounts;
            change.Detail = $"{Count(accounts.Count, "AWS account")}{(accounts.Count > 0 ? $" ({string.Join(", ", accounts.Select(a => a.Name))})" : "")}, "
                + $"{Count(instances, "instance")}; roles {Describe(change.Roles)}";
            return null;
        }, ct);
        if (!deleted.Succeeded)
        {
            return deleted;
        }
        var now = clock.GetUtcNow();
        foreach (var account in removed)
        {
            await AccountService.ForgetRemovedAsync(recurringJobs, events, account, now, CancellationToken.None);
        }
        return Result.Ok;
    }

    /// <summary>
    /// The checks every action shares, then <paramref name="apply"/> on the tracked user inside one transaction. The change is
    /// saved with its audit entry when <paramref name="apply"/> set <see cref="UserChange.Detail"/>; nothing is saved when it
    /// left it null (already so) or returned an error.
    /// </summary>
    private async Task<Result> ChangeAsync(Caller caller, string userId, string verb, string action, bool superAdminOnly,
        Func<UserChange, Task<ServiceError?>> apply, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if ((superAdminOnly ? caller.SuperAdminError() : caller.AdminError()) is { } denied)
        {
            return denied;
        }
        if (userId == caller.UserId)
        {
            return ServiceError.Forbidden($"You cannot {verb} yourself.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ChangeLockKey})", ct);
        if (await db.Users.SingleOrDefaultAsync(u => u.Id == userId, ct) is not { } user)
        {
            return UserGone;
        }
        var roles = await db.UserRoles.Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).OrderBy(n => n).ToListAsync(ct);
        if (!caller.IsSuperAdmin && (roles.Contains(Roles.Admin) || roles.Contains(Roles.SuperAdmin)))
        {
            return ServiceError.Forbidden($"Only a super admin can {verb} an administrator.");
        }
        var change = new UserChange(db, user, roles, clock, ct);
        if (await apply(change) is { } refused)
        {
            return refused;
        }
        if (change.Detail is null)
        {
            return Result.Ok;
        }
        db.AuditEvents.Add(audit.Entry(caller, action, AuditTargets.User, user.Id, user.Email, change.Detail));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        LogChanged(logger, caller.UserId, userId, action, change.Detail);
        return Result.Ok;
    }

    private static string Count(int n, string thing) => n == 1 ? $"1 {thing}" : $"{n} {thing}s";

    private static string Describe(IEnumerable<string> roles) => roles.Any() ? string.Join(", ", roles.Order(StringComparer.Ordinal)) : "none";

    /// <summary>One action on one user, inside <see cref="ChangeAsync"/>'s transaction.</summary>
    private sealed class UserChange(CostPilotDbContext db, AppUser user, IReadOnlyList<string> roles, TimeProvider clock, CancellationToken ct)
    {
        public CostPilotDbContext Db => db;
        public AppUser User => user;
        public IReadOnlyList<string> Roles => roles;

        /// <summary>The audit entry's particulars; set once something changed.</summary>
        public string? Detail { get; set; }

        /// <summary>A new security stamp: every session of the user ends (see the README, "Sessions, proxies and limits").</summary>
        public void EndSessions()
        {
            user.SecurityStamp = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
            user.ConcurrencyStamp = Guid.NewGuid().ToString();
        }

        /// <summary>Null when the user is not a super admin who can sign in, or another one is left; otherwise why not.</summary>
        public async Task<ServiceError?> KeepsASuperAdminAsync(string verb)
        {
            var now = clock.GetUtcNow();
            if (!roles.Contains(Domain.Users.Roles.SuperAdmin) || user.DisabledAt is not null || user.LockoutEnd > now)
            {
                return null;
            }
            var another = await db.UserRoles
                .Where(ur => ur.UserId != user.Id)
                .Join(db.Roles.Where(r => r.Name == Domain.Users.Roles.SuperAdmin), ur => ur.RoleId, r => r.Id, (ur, _) => ur.UserId)
                .Join(db.Users, id => id, u => u.Id, (_, u) => u)
                .AnyAsync(u => u.DisabledAt == null && (u.LockoutEnd == null || u.LockoutEnd <= now), ct);
            return another ? null : ServiceError.Forbidden(
                $"Cannot {verb} {user.Email}: they are the last super admin who can sign in. Make another super admin first.");
        }

        /// <summary>Replaces the user's roles; a role change ends their sessions, so open pages pick up the new role.</summary>
        public async Task<ServiceError?> SetRolesAsync(IEnumerable<string> wanted)
        {
            var after = wanted.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (after.SequenceEqual(roles.Order(StringComparer.Ordinal)))
            {
                return null;
            }
            var ids = await db.Roles.ToDictionaryAsync(r => r.Name!, r => r.Id, ct);
            db.UserRoles.RemoveRange(await db.UserRoles.Where(ur => ur.UserId == user.Id).ToListAsync(ct));
            foreach (var role in after)
            {
                db.UserRoles.Add(new() { UserId = user.Id, RoleId = ids[role] });
            }
            EndSessions();
            Detail = $"roles {Describe(roles)} → {Describe(after)}";
            return null;
        }

        /// <summary>The user's AWS accounts (tracked) and how many instance rows they hold.</summary>
        public async Task<(List<Account> Accounts, int Instances)> OwnedAsync()
        {
            var accounts = await db.Accounts.Where(a => a.OwnerId == user.Id).OrderBy(a => a.Name).ToListAsync(ct);
            var ids = accounts.Select(a => a.Id).ToList();
            return (accounts, await db.Instances.CountAsync(i => ids.Contains(i.AccountId), ct));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {ActorId} changed user {TargetUserId}: {Action} ({Detail})")]
    private static partial void LogChanged(ILogger logger, string actorId, string targetUserId, string action, string detail);
}
