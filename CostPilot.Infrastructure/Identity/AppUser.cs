using Microsoft.AspNetCore.Identity;

namespace CostPilot.Infrastructure.Identity;

/// <summary>A person who signs in to CostPilot. Stored in <c>users</c>.</summary>
public sealed class AppUser : IdentityUser
{
    public const int MaxDisplayNameLength = 100;

    public string? DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }

    /// <summary>
    /// When an administrator disabled the user; null while they may sign in. Unlike a lockout (Identity's, after failed
    /// passwords, or an admin's lock), nothing lifts it but an administrator enabling the user again.
    /// </summary>
    public DateTimeOffset? DisabledAt { get; set; }
}
