using System.Globalization;
using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CostPilot.Web.Auth;

/// <summary>
/// What the auth cookie is checked against on each request. A session ends <see cref="AuthOptions.AbsoluteSessionLifetime"/>
/// after its sign-in, however often the sliding expiry renewed the cookie. Identity's own check of the security stamp runs
/// at most every 30 minutes; on the admin pages and the job dashboard it runs on every request, so a demoted, locked or
/// deleted admin is refused at once.
/// </summary>
internal static class SessionValidation
{
    /// <summary>When the session signed in: kept in the cookie's (encrypted) properties, which every renewal carries over.</summary>
    public const string StartedKey = ".costpilot.started";

    /// <summary>Notes when a session starts; a refresh of an existing session (a password change) keeps its start.</summary>
    public static Task RecordStartAsync(CookieSigningInContext context)
    {
        if (!context.Properties.Items.ContainsKey(StartedKey))
        {
            context.Properties.Items[StartedKey] = Now(context.Options).ToString("O", CultureInfo.InvariantCulture);
        }
        return Task.CompletedTask;
    }

    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is null)
        {
            return;
        }
        var lifetime = context.HttpContext.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.AbsoluteSessionLifetime;
        if (!StartedWithin(context.Properties, Now(context.Options), lifetime))
        {
            await RejectAsync(context);
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

    /// <summary>A cookie without a start (issued before sessions had one) cannot show its age and is refused.</summary>
    private static bool StartedWithin(AuthenticationProperties properties, DateTimeOffset now, TimeSpan lifetime) =>
        properties.Items.TryGetValue(StartedKey, out var text)
        && DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var started)
        && now - started < lifetime;

    private static DateTimeOffset Now(CookieAuthenticationOptions options) => (options.TimeProvider ?? TimeProvider.System).GetUtcNow();

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(context.Scheme.Name);
    }
}
