using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CostPilot.Infrastructure.Identity;

/// <summary>
/// Identity's sign-in, refusing disabled users (<see cref="AppUser.DisabledAt"/>) on every path: a password, a refreshed
/// sign-in, a remembered browser. They get <see cref="SignInResult.NotAllowed"/>; the sign-in page tells them why only once
/// their password is proved right (<see cref="IsDisabledWithPasswordAsync"/>).
/// </summary>
public sealed class CostPilotSignInManager(
    UserManager<AppUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<AppUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<AppUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<AppUser> confirmation)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public const string DisabledMessage = "This account is disabled. Ask an administrator to enable it.";

    public override async Task<bool> CanSignInAsync(AppUser user) =>
        user.DisabledAt is null && await base.CanSignInAsync(user);

    /// <summary>
    /// Whether a refused sign-in was refused because the user is disabled and <paramref name="password"/> is theirs. A wrong
    /// password counts as a failed attempt, as for anyone, and a locked-out user is not asked: the answer never helps guessing.
    /// </summary>
    public async Task<bool> IsDisabledWithPasswordAsync(AppUser user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.DisabledAt is null || await UserManager.IsLockedOutAsync(user))
        {
            return false;
        }
        if (await UserManager.CheckPasswordAsync(user, password))
        {
            return true;
        }
        await UserManager.AccessFailedAsync(user);
        return false;
    }
}
