using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Support;

public static class TestUsers
{
    /// <summary>Creates a user with one role and returns the <see cref="Caller"/> services expect.</summary>
    public static async Task<Caller> CreateAsync(IServiceProvider services, string role = Roles.Client, string? email = null)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        email ??= $"user-{Guid.NewGuid():N}@example.test";
        var user = new AppUser { UserName = email, Email = email, CreatedAt = DateTimeOffset.UtcNow };
        var created = await users.CreateAsync(user, "a-long-test-password");
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        return new Caller(user.Id, new HashSet<string> { role });
    }

    /// <summary>Runs <paramref name="action"/> with a service from a fresh scope (scoped services such as AccountService).</summary>
    public static async Task<T> WithScopeAsync<TService, T>(IServiceProvider services, Func<TService, Task<T>> action)
        where TService : notnull
    {
        await using var scope = services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TService>());
    }
}
