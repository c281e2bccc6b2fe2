using System.Security.Claims;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using CostPilot.Web.Auth;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Web;

/// <summary>An open Blazor circuit signs its user out soon after their security stamp changes (demoted, locked, signed out elsewhere).</summary>
public sealed class CircuitRevalidationTests(CostPilotAppFactory app) : IClassFixture<CostPilotAppFactory>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Revalidation_StampRotated_SignsTheCircuitOutWithin30Seconds()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var provider = NewProvider(clock);
        provider.SetAuthenticationState(Task.FromResult(new AuthenticationState(await PrincipalAsync(user.Id))));
        var changed = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.AuthenticationStateChanged += async state => changed.TrySetResult(await state);

        await RotateStampAsync(user.Id);
        clock.Advance(TimeSpan.FromSeconds(29));
        var signedOutEarly = changed.Task.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(1));
        // The guard only stops a broken build from hanging; the clock, not the wait, decides when revalidation runs.
        var state = await changed.Task.WaitAsync(Guard);

        Assert.False(signedOutEarly);
        Assert.False(state.User.Identity?.IsAuthenticated);
    }

    private IdentityRevalidatingAuthenticationStateProvider NewProvider(TimeProvider clock) =>
        new(app.Services.GetRequiredService<IServiceScopeFactory>(), app.Services.GetRequiredService<IOptions<IdentityOptions>>(), clock,
            NullLogger<IdentityRevalidatingAuthenticationStateProvider>.Instance);

    /// <summary>The principal a sign-in puts in the cookie (and the circuit), security stamp included.</summary>
    private async Task<ClaimsPrincipal> PrincipalAsync(string userId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<AppUser>>();
        var user = await signIn.UserManager.FindByIdAsync(userId) ?? throw new InvalidOperationException($"No user {userId}.");
        return await signIn.CreateUserPrincipalAsync(user);
    }

    private async Task RotateStampAsync(string userId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException($"No user {userId}.");
        Assert.True((await users.UpdateSecurityStampAsync(user)).Succeeded);
    }
}
