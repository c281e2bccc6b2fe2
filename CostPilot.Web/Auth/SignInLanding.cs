using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Web.Auth;

/// <summary>What happens right after a successful sign-in: remember when, and pick the landing page by role.</summary>
public sealed class SignInLanding(
    UserManager<AppUser> users,
    IPasswordHasher<AppUser> hasher,
    IDbContextFactory<CostPilotDbContext> dbFactory,
    TimeProvider clock)
{
    private static readonly Lazy<string> DummyHash = new(() => new BCryptPasswordHasher().HashPassword(new AppUser(), "not-a-real-password"));

    /// <summary>The message for every failed sign-in (page or API): it never tells whether the e-mail exists or is locked.</summary>
    public const string FailureMessage =
        "The e-mail or password is not right. After 5 failed attempts an account is locked for 15 minutes.";

    public async Task<string> RecordSignInAndGetLandingAsync(AppUser user)
    {
        await RecordSignInAsync(user);
        return await LandingForAsync(user);
    }

    public async Task RecordSignInAsync(AppUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.LastSignInAt = clock.GetUtcNow();
        await users.UpdateAsync(user);
    }

    public async Task<string> LandingForAsync(AppUser user)
    {
        var roles = await users.GetRolesAsync(user);
        await using var db = await dbFactory.CreateDbContextAsync();
        var hasAccounts = await db.Accounts.AnyAsync(a => a.OwnerId == user.Id);
        return AuthPolicies.LandingPath(roles, hasAccounts);
    }

    public void BurnPasswordCheck(string password) =>
        hasher.VerifyHashedPassword(new AppUser(), DummyHash.Value, password);
}
