using CostPilot.Web.Auth;
using CostPilot.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Support;

/// <summary>What a component needs to know who is asking, as the app registers it per circuit.</summary>
public static class CallerServices
{
    /// <summary>The signed-in caller (<see cref="CurrentCaller"/>), their client address and the browser's time zone.</summary>
    public static IServiceCollection AddCallerServices(this IServiceCollection services)
    {
        services.AddScoped<CurrentCaller>();
        services.AddScoped<ClientAddress>();
        services.AddScoped<BrowserTimeZone>();
        return services;
    }
}
