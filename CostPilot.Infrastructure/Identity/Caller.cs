using System.Security.Claims;
using CostPilot.Domain.Users;

namespace CostPilot.Infrastructure.Identity;

/// <summary>
/// Who is asking. Every service method takes one and checks it, so a client can never reach
/// another client's data or an admin operation, whatever URL or circuit message they send.
/// <para>
/// <see cref="Email"/> and <see cref="Address"/> are what the audit trail records of them: the e-mail they signed in with and
/// the client address the app saw (after trusted forwarded headers). Either may be unknown (null).
/// </para>
/// </summary>
public sealed record Caller(string UserId, IReadOnlySet<string> Roles, string? Email = null, string? Address = null)
{
    public bool IsSuperAdmin => Roles.Contains(Domain.Users.Roles.SuperAdmin);
    public bool IsAdmin => IsSuperAdmin || Roles.Contains(Domain.Users.Roles.Admin);

    public static Caller FromPrincipal(ClaimsPrincipal principal, string? address = null)
    {
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        if (principal.Identity?.IsAuthenticated != true || string.IsNullOrEmpty(id))
        {
            throw new ForbiddenException("You need to sign in.");
        }
        var roles = principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var email = principal.FindFirstValue(ClaimTypes.Email) ?? principal.FindFirstValue(ClaimTypes.Name);
        return new Caller(id, roles, email, address);
    }

    /// <summary>Null for an administrator; otherwise why not.</summary>
    public ServiceError? AdminError() => IsAdmin ? null : ServiceError.Forbidden("Only administrators can do this.");

    /// <summary>Null for a super administrator; otherwise why not.</summary>
    public ServiceError? SuperAdminError() => IsSuperAdmin ? null : ServiceError.Forbidden("Only super administrators can do this.");
}

/// <summary>The caller may not do what it asked. The message is safe to show to them.</summary>
public sealed class ForbiddenException(string message) : Exception(message);
