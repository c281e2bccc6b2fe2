using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Components.Authorization;

namespace CostPilot.Web.Auth;

/// <summary>Turns the circuit's authentication state into the <see cref="Caller"/> that services check.</summary>
public sealed class CurrentCaller(AuthenticationStateProvider authenticationStateProvider, ClientAddress address)
{
    public async Task<Caller> GetAsync()
    {
        var state = await authenticationStateProvider.GetAuthenticationStateAsync();
        return Caller.FromPrincipal(state.User, address.Value);
    }
}

/// <summary>The circuit's client address (set once by the root component from the first request); null when unknown.</summary>
public sealed class ClientAddress
{
    public string? Value { get; set; }
}
