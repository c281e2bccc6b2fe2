using CostPilot.Infrastructure.Identity;
using CostPilot.Web.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CostPilot.Web.Endpoints;

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // A form POST (antiforgery-checked) so a link or image elsewhere cannot sign a user out. A new security stamp
        // makes every copy of the session's cookie worthless, not just the one this browser deletes.
        endpoints.MapPost("/account/logout", async (HttpContext http, SignInManager<AppUser> signInManager, [FromForm] string? returnUrl) =>
        {
            if (await signInManager.UserManager.GetUserAsync(http.User) is { } user)
            {
                await signInManager.UserManager.UpdateSecurityStampAsync(user);
            }
            await signInManager.SignOutAsync();
            return TypedResults.LocalRedirect(IdentityRedirectManager.SafeLocal(returnUrl ?? AuthPolicies.LoginPath));
        });
    }
}
