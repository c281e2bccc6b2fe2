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

    public async Task<string> RecordSignInAndGetLandingAsync(AppUser user)
    {
        user.LastSignInAt = clock.GetUtcNow();
        await users.UpdateAsync(user);
        return await LandingForAsync(user);
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
