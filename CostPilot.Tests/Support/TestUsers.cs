using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Support;

public sealed record TestUser(string Id, string Email, string Password);

/// <summary>Creates users straight through Identity, so a test can start signed in as any role.</summary>
public static class TestUsers
{
    public const string Password = "Test-Passw0rd-Long";

    // One real bcrypt hash (work factor 12) of Password, shared by every test user: signing in still
    // runs the real hasher, but creating a user costs no hashing.
    private static readonly Lazy<string> PasswordHash = new(() => new BCryptPasswordHasher().HashPassword(new AppUser(), Password));

    public static string NewEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@costpilot.test";

    /// <summary>A new user holding <paramref name="roles"/> (none: a user without any role).</summary>
    public static async Task<TestUser> CreateAsync(IServiceProvider services, params string[] roles)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var email = NewEmail(roles.FirstOrDefault() ?? "user");
        var user = new AppUser { UserName = email, Email = email, CreatedAt = DateTimeOffset.UtcNow, PasswordHash = PasswordHash.Value };
        Check(await users.CreateAsync(user));
        foreach (var role in roles)
        {
            Check(await users.AddToRoleAsync(user, role));
        }
        return new TestUser(user.Id, email, Password);
    }

    public static Task<TestUser> CreateClientAsync(IServiceProvider services) => CreateAsync(services, Roles.Client);

    public static async Task<AppUser> FindAsync(IServiceProvider services, string email)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        return await users.FindByEmailAsync(email) ?? throw new InvalidOperationException($"No user {email}.");
    }

    public static async Task<IList<string>> RolesOfAsync(IServiceProvider services, string userId)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException($"No user {userId}.");
        return await users.GetRolesAsync(user);
    }

    /// <summary>A new user with one role, as the <see cref="Caller"/> services expect.</summary>
    public static async Task<Caller> CreateCallerAsync(IServiceProvider services, string role = Roles.Client)
    {
        var user = await CreateAsync(services, role);
        return new Caller(user.Id, new HashSet<string> { role });
    }

    /// <summary>Runs <paramref name="action"/> with a service from a fresh scope (scoped services such as AccountService).</summary>
    public static async Task<T> WithScopeAsync<TService, T>(IServiceProvider services, Func<TService, Task<T>> action)
        where TService : notnull
    {
        await using var scope = services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TService>());
    }

    private static void Check(IdentityResult result) =>
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
}
