using CostPilot.Web.Endpoints;

namespace CostPilot.Web.Components.Layout;

internal static class AppVersion
{
    public static string Current => HealthEndpoints.Version;
}
