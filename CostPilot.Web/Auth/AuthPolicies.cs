using CostPilot.Domain.Users;

namespace CostPilot.Web.Auth;

public static class AuthPolicies
{
    public const string Admin = "admin";

    public const string LoginPath = "/account/login";
    public const string AccessDeniedPath = "/account/access-denied";

    /// <summary>Where a user lands after signing in, by role.</summary>
    public static string LandingPath(IEnumerable<string> roles, bool hasAccounts)
    {
        var set = roles.ToHashSet(StringComparer.Ordinal);
        if (set.Contains(Roles.Admin) || set.Contains(Roles.SuperAdmin))
        {
            return "/admin";
        }
        return hasAccounts ? "/client" : "/onboarding";
    }
}
