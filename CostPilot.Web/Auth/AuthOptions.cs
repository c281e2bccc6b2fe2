namespace CostPilot.Web.Auth;

/// <summary>Settings under <c>CostPilot:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "CostPilot:Auth";

    /// <summary>
    /// How long a session may last from its sign-in, however active it stays (default 7 days). Besides it, the cookie's own
    /// sliding expiry (12 hours) ends an idle session sooner.
    /// </summary>
    public TimeSpan AbsoluteSessionLifetime { get; set; } = TimeSpan.FromDays(7);
}
