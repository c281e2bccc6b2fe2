using CostPilot.Infrastructure.Identity;
using CostPilot.Web.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CostPilot.Web.Endpoints;

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // A form POST (antiforgery-checked) so a link or image elsewhere cannot sign a user out.
        endpoints.MapPost("/account/logout", async (SignInManager<AppUser> signInManager, [FromForm] string? returnUrl) =>
        {
            await signInManager.SignOutAsync();
            return TypedResults.LocalRedirect(IdentityRedirectManager.SafeLocal(returnUrl ?? AuthPolicies.LoginPath));
        });
    }
}
