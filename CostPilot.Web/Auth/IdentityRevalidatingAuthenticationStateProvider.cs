using System.Security.Claims;
using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CostPilot.Web.Auth;

/// <summary>
/// Re-checks the signed-in user's security stamp every <see cref="RevalidationInterval"/> while a circuit is open, so a
/// password change, a role change, a lock or a deleted user ends open sessions. The framework's
/// <see cref="RevalidatingServerAuthenticationStateProvider"/> does the same on the wall clock; this one waits on
/// <see cref="TimeProvider"/>, so a test can move time on.
/// </summary>
internal sealed partial class IdentityRevalidatingAuthenticationStateProvider : ServerAuthenticationStateProvider, IDisposable
{
    public static readonly TimeSpan RevalidationInterval = TimeSpan.FromSeconds(30);

    private readonly IServiceScopeFactory _scopeFactory;
    private readonly IOptions<IdentityOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<IdentityRevalidatingAuthenticationStateProvider> _logger;
    private CancellationTokenSource? _loop;

    public IdentityRevalidatingAuthenticationStateProvider(
        IServiceScopeFactory scopeFactory,
        IOptions<IdentityOptions> options,
        TimeProvider clock,
        ILogger<IdentityRevalidatingAuthenticationStateProvider> logger)
    {
        _scopeFactory = scopeFactory;
        _options = options;
        _clock = clock;
        _logger = logger;
        // Each new state (the circuit's first, or a sign-out) restarts the loop for it.
        AuthenticationStateChanged += state =>
        {
            _loop?.Cancel();
            _loop = new CancellationTokenSource();
            _ = RevalidateAsync(state, _loop.Token);
        };
    }

    public void Dispose() => _loop?.Cancel();

    private async Task RevalidateAsync(Task<AuthenticationState> stateTask, CancellationToken ct)
    {
        try
        {
            var state = await stateTask;
            if (state.User.Identity?.IsAuthenticated != true)
            {
                return;
            }
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(RevalidationInterval, _clock, ct);
                if (!await IsStillValidAsync(state, ct))
                {
                    SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // A newer state replaced this one, or the circuit ended.
        }
        catch (Exception e)
        {
            LogRevalidationFailed(_logger, e);
        }
    }

    private async Task<bool> IsStillValidAsync(AuthenticationState state, CancellationToken ct)
    {
        await using var scope = _scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await userManager.GetUserAsync(state.User);
        ct.ThrowIfCancellationRequested();
        if (user is null)
        {
            return false;
        }
        var principalStamp = state.User.FindFirstValue(_options.Value.ClaimsIdentity.SecurityStampClaimType);
        return principalStamp == await userManager.GetSecurityStampAsync(user);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Revalidating a circuit's authentication state failed")]
    private static partial void LogRevalidationFailed(ILogger logger, Exception exception);
}
