namespace CostPilot.Infrastructure.Identity;

/// <summary>
/// A bearer token a user made on their profile page for the REST API, kept in <c>personal_access_tokens</c>. Only the SHA-256
/// of its secret is stored: the plain token (<c>cpat_</c> and the secret) is shown once, when it is made, and never again.
/// </summary>
public sealed class PersonalAccessToken
{
    public const int MaxNameLength = 100;

    /// <summary>How many characters of the secret are kept in the clear, so a person can tell their tokens apart.</summary>
    public const int DisplayPrefixLength = 8;

    public const int HashLength = 32;

    public Guid Id { get; set; }

    public string UserId { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>SHA-256 of the secret part (after <c>cpat_</c>).</summary>
    public byte[] TokenHash { get; set; } = [];

    /// <summary>The first <see cref="DisplayPrefixLength"/> characters of the secret: not enough to guess the rest.</summary>
    public string Prefix { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Null: never expires (until revoked).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>When it last authenticated a request, to the minute (it is not written on every request).</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is not { } expires || expires > now);
}
