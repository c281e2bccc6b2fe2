using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CostPilot.Infrastructure.Identity;

public sealed record UserRow(
    string Id,
    string Email,
    string? DisplayName,
    IReadOnlyList<string> Roles,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt,
    DateTimeOffset? LockedOutUntil,
    int AccountCount);

public sealed record UserPage(IReadOnlyList<UserRow> Rows, int Total);

/// <summary>What admins do with users: list them, promote or demote admins, lock them out or lift a lockout.</summary>
public sealed partial class UserAdminService(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    UserManager<AppUser> users,
    TimeProvider clock,
    ILogger<UserAdminService> logger)
{
    private static readonly ServiceError UserGone = ServiceError.NotFound("That user no longer exists.");

    /// <summary>A lock set by an admin lasts until an admin lifts it: a century stands for "until unlocked".</summary>
    private static readonly TimeSpan LockedFor = TimeSpan.FromDays(36_500);

    public async Task<Result<UserPage>> ListAsync(Caller caller, string? search, int skip, int take, CancellationToken ct = default)
    {
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        take = Math.Clamp(take, 1, 200);
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
                Roles = db.UserRoles.Where(ur => ur.UserId == u.Id)
                    .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToList(),
                AccountCount = db.Accounts.Count(a => a.OwnerId == u.Id),
            })
            .ToListAsync(ct);
        var now = clock.GetUtcNow();
        return new UserPage(
            [.. rows.Select(u => new UserRow(u.Id, u.Email ?? "", u.DisplayName, u.Roles.Order().ToList(), u.CreatedAt, u.LastSignInAt,
                u.LockoutEnd > now ? u.LockoutEnd : null, u.AccountCount))],
            total);
    }

    /// <summary>Only a super admin may promote or demote admins; nobody can make a super admin here.</summary>
    public async Task<Result> SetAdminAsync(Caller caller, string userId, bool admin, CancellationToken ct = default)
    {
        if (caller.SuperAdminError() is { } denied)
        {
            return denied;
        }
        if (userId == caller.UserId)
        {
            return ServiceError.Forbidden("You cannot change your own role.");
        }
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return UserGone;
        }
        if (await users.IsInRoleAsync(user, Roles.SuperAdmin))
        {
            return ServiceError.Forbidden("A super admin's role cannot be changed here.");
        }
        var isAdmin = await users.IsInRoleAsync(user, Roles.Admin);
        if (isAdmin == admin)
        {
            return Result.Ok;
        }
        var result = admin ? await users.AddToRoleAsync(user, Roles.Admin) : await users.RemoveFromRoleAsync(user, Roles.Admin);
        if (!result.Succeeded)
        {
            return ServiceError.Conflict(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
        // A new security stamp makes the user's open sessions pick up the new role.
        await users.UpdateSecurityStampAsync(user);
        LogRoleChanged(logger, caller.UserId, userId, admin ? "promoted to admin" : "demoted from admin");
        return Result.Ok;
    }

    /// <summary>
    /// Locks a user out until an admin unlocks them, and ends their open sessions (a new security stamp): refused on the
    /// admin pages at once, in open pages within 30 s. Admins lock clients; only a super admin locks an admin; nobody
    /// locks a super admin or themselves.
    /// </summary>
    public async Task<Result> LockAsync(Caller caller, string userId, CancellationToken ct = default)
    {
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        if (userId == caller.UserId)
        {
            return ServiceError.Forbidden("You cannot lock yourself out.");
        }
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return UserGone;
        }
        if (await users.IsInRoleAsync(user, Roles.SuperAdmin))
        {
            return ServiceError.Forbidden("A super admin cannot be locked here.");
        }
        if (!caller.IsSuperAdmin && await users.IsInRoleAsync(user, Roles.Admin))
        {
            return ServiceError.Forbidden("Only a super admin can lock an admin.");
        }
        await users.SetLockoutEnabledAsync(user, true);
        var result = await users.SetLockoutEndDateAsync(user, clock.GetUtcNow().Add(LockedFor));
        if (!result.Succeeded)
        {
            return ServiceError.Conflict(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
        await users.UpdateSecurityStampAsync(user);
        LogRoleChanged(logger, caller.UserId, userId, "locked");
        return Result.Ok;
    }

    public async Task<Result> UnlockAsync(Caller caller, string userId, CancellationToken ct = default)
    {
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return UserGone;
        }
        if (!caller.IsSuperAdmin && await users.IsInRoleAsync(user, Roles.SuperAdmin))
        {
            return ServiceError.Forbidden("Only a super admin can unlock a super admin.");
        }
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        LogRoleChanged(logger, caller.UserId, userId, "unlocked");
        return Result.Ok;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {ActorId} changed user {TargetUserId}: {Change}")]
    private static partial void LogRoleChanged(ILogger logger, string actorId, string targetUserId, string change);
}
