using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace CostPilot.Web.Auth;

/// <summary>
/// What the auth cookie is checked against on each request. Identity's own check of the security stamp runs at most every
/// 30 minutes; on the admin pages and the job dashboard it runs on every request, so a demoted, locked or deleted admin is
/// refused at once.
/// </summary>
internal static class SessionValidation
{
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is null)
        {
            return;
        }
        if (IsPrivileged(context.HttpContext.Request.Path))
        {
            var signInManager = context.HttpContext.RequestServices.GetRequiredService<SignInManager<AppUser>>();
            if (await signInManager.ValidateSecurityStampAsync(context.Principal) is null)
            {
                await RejectAsync(context);
            }
            return;
        }
        await SecurityStampValidator.ValidatePrincipalAsync(context);
    }

    /// <summary>Admin pages and the job dashboard: where a stale role would do the most harm.</summary>
    public static bool IsPrivileged(PathString path) =>
        path.StartsWithSegments("/admin") || path.StartsWithSegments("/hangfire");

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(context.Scheme.Name);
    }
}
