using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Identity;

/// <summary>One of the caller's own tokens as the profile page lists it: never the secret, never its hash.</summary>
public sealed record AccessTokenRow(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt, bool Expired);

/// <summary>A token just made: <see cref="Token"/> is the plain token, shown to its owner this once and stored nowhere.</summary>
public sealed record CreatedToken(Guid Id, string Name, string Prefix, string Token, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    // Never the token itself in a log line or an exception message.
    public override string ToString() => $"CreatedToken {{ Id = {Id}, Name = {Name}, Prefix = {Prefix} }}";
}

/// <summary>Who a valid token speaks for, with the user's roles as they are now.</summary>
public sealed record TokenUser(Guid TokenId, string UserId, string? Email, string? UserName, IReadOnlyList<string> Roles);

/// <summary>
/// Personal access tokens for the REST API: a user makes, lists and revokes their own on the profile page; the API's
/// <c>ApiPat</c> scheme checks them with <see cref="AuthenticateAsync"/> on every request.
/// <para>
/// A token is <c>cpat_</c> and 32 random bytes in base64url. Only the SHA-256 of the secret is stored, with its first
/// characters in the clear to find it by and to show. A token speaks for its user only while the user may sign in: a
/// locked, disabled or deleted user's tokens (deleting cascades) stop working on the next request, and the roles are read
/// afresh each time, so a demotion counts at once.
/// </para>
/// </summary>
public sealed class PersonalAccessTokenService(IDbContextFactory<CostPilotDbContext> dbFactory, AuditTrail audit, TimeProvider clock)
{
    public const string TokenPrefix = "cpat_";
    public const int MaxActiveTokens = 20;
    public const int MaxExpiryDays = 365;

    private const int SecretBytes = 32;

    /// <summary>base64url of 32 bytes, without padding.</summary>
    private const int SecretLength = 43;

    /// <summary>Last-used times are written at most this often per token, not on every request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private static readonly ServiceError TokenGone = ServiceError.NotFound("That token does not exist.");

    public async Task<Result<CreatedToken>> CreateAsync(Caller caller, string? name, int? expiresInDays, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return ServiceError.Invalid("Give the token a name, so you can tell it apart later.");
        }
        if (trimmed.Length > PersonalAccessToken.MaxNameLength)
        {
            return ServiceError.Invalid($"The name can be at most {PersonalAccessToken.MaxNameLength} characters long.");
        }
        if (expiresInDays is < 1 or > MaxExpiryDays)
        {
            return ServiceError.Invalid($"A token expires after 1 to {MaxExpiryDays} days, or never.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // One change to a user's tokens at a time: two tabs cannot both take the 20th place or the same name.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"cpat:" + caller.UserId}, 0))", ct);
        var now = clock.GetUtcNow();
        var mine = db.PersonalAccessTokens.Where(t => t.UserId == caller.UserId && t.RevokedAt == null);
        if (await mine.AnyAsync(t => t.Name == trimmed, ct))
        {
            return ServiceError.Conflict($"You already have a token named \"{trimmed}\". Choose another name, or revoke that token first.");
        }
        if (await mine.CountAsync(t => t.ExpiresAt == null || t.ExpiresAt > now, ct) >= MaxActiveTokens)
        {
            return ServiceError.Conflict($"You already have {MaxActiveTokens} active tokens, the most allowed. Revoke one you no longer use first.");
        }
        if (!await db.Users.AnyAsync(u => u.Id == caller.UserId, ct))
        {
            return ServiceError.NotFound("Your user no longer exists.");
        }

        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var token = new PersonalAccessToken
        {
            Id = Guid.CreateVersion7(now),
            UserId = caller.UserId,
            Name = trimmed,
            TokenHash = Hash(secret),
            Prefix = secret[..PersonalAccessToken.DisplayPrefixLength],
            CreatedAt = now,
            ExpiresAt = expiresInDays is { } days ? now.AddDays(days) : null,
        };
        db.PersonalAccessTokens.Add(token);
        db.AuditEvents.Add(audit.Entry(caller, AuditActions.TokenCreated, AuditTargets.Token, token.Id.ToString(), token.Name,
            $"{TokenPrefix}{token.Prefix}…; {(token.ExpiresAt is { } at ? $"expires {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "never expires")}"));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new CreatedToken(token.Id, token.Name, token.Prefix, TokenPrefix + secret, token.CreatedAt, token.ExpiresAt);
    }

    /// <summary>The caller's tokens that are not revoked (expired ones too, marked), newest first.</summary>
    public async Task<IReadOnlyList<AccessTokenRow>> ListAsync(Caller caller, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.PersonalAccessTokens.AsNoTracking()
            .Where(t => t.UserId == caller.UserId && t.RevokedAt == null)
            .OrderByDescending(t => t.CreatedAt).ThenBy(t => t.Name)
            .Select(t => new { t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt })
            .ToListAsync(ct);
        return [.. rows.Select(t => new AccessTokenRow(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.ExpiresAt <= now))];
    }

    /// <summary>Revokes one of the caller's tokens at once; another user's token is not found. Revoking twice changes nothing.</summary>
    public async Task<Result> RevokeAsync(Caller caller, Guid id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.PersonalAccessTokens.SingleOrDefaultAsync(t => t.Id == id && t.UserId == caller.UserId, ct) is not { } token)
        {
            return TokenGone;
        }
        if (token.RevokedAt is not null)
        {
            return Result.Ok;
        }
        token.RevokedAt = clock.GetUtcNow();
        db.AuditEvents.Add(audit.Entry(caller, AuditActions.TokenRevoked, AuditTargets.Token, token.Id.ToString(), token.Name,
            $"{TokenPrefix}{token.Prefix}…"));
        await db.SaveChangesAsync(ct);
        return Result.Ok;
    }

    /// <summary>
    /// The user a token speaks for, with their current roles; null when the token is malformed, unknown, altered, revoked or
    /// expired, or its user is locked out, disabled or gone. Never says which.
    /// </summary>
    public async Task<TokenUser?> AuthenticateAsync(string? token, CancellationToken ct = default)
    {
        if (token is null || !token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var secret = token[TokenPrefix.Length..];
        if (secret.Length != SecretLength || !Base64Url.IsValid(secret))
        {
            return null;
        }
        var hash = Hash(secret);
        var prefix = secret[..PersonalAccessToken.DisplayPrefixLength];
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Found by the prefix (not secret), then the hash compared in constant time.
        var candidates = await db.PersonalAccessTokens.AsNoTracking()
            .Where(t => t.Prefix == prefix)
            .Join(db.Users, t => t.UserId, u => u.Id, (t, u) => new
            {
                t.Id,
                t.TokenHash,
                t.ExpiresAt,
                t.RevokedAt,
                t.LastUsedAt,
                u.Email,
                u.UserName,
                UserId = u.Id,
                u.LockoutEnd,
                u.DisabledAt,
            })
            .ToListAsync(ct);
        var match = candidates.FirstOrDefault(c => CryptographicOperations.FixedTimeEquals(c.TokenHash, hash));
        if (match is null || match.RevokedAt is not null || match.ExpiresAt <= now || match.LockoutEnd > now || match.DisabledAt is not null)
        {
            return null;
        }
        var roles = await db.UserRoles.Where(ur => ur.UserId == match.UserId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).OrderBy(n => n).ToListAsync(ct);
        if (match.LastUsedAt is not { } used || now - used >= LastUsedResolution)
        {
            // Conditional, so concurrent requests write it once.
            var stale = now - LastUsedResolution;
            await db.PersonalAccessTokens
                .Where(t => t.Id == match.Id && (t.LastUsedAt == null || t.LastUsedAt <= stale))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
        }
        return new TokenUser(match.Id, match.UserId, match.Email, match.UserName, roles);
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));
}
