namespace CostPilot.Infrastructure.Security;

/// <summary>One limit: at most <see cref="PermitLimit"/> in each <see cref="Window"/> (a fixed window, counted in memory per app node).</summary>
public sealed class RateLimitRule
{
    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; }

    public bool IsValid => PermitLimit >= 1 && Window > TimeSpan.Zero;
}

/// <summary>Settings under <c>CostPilot:RateLimits</c>: how often one address or one user may do the costly things.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "CostPilot:RateLimits";

    /// <summary>Sign-in attempts (form posts) per client address.</summary>
    public RateLimitRule SignIn { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Registrations (form posts) per client address.</summary>
    public RateLimitRule Registration { get; set; } = new() { PermitLimit = 5, Window = TimeSpan.FromHours(1) };

    /// <summary>Attempts to connect an AWS account with a role or keys (each one asks AWS STS) per user.</summary>
    public RateLimitRule Connect { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(10) };

    /// <summary>"Rescan now" per AWS account.</summary>
    public RateLimitRule Rescan { get; set; } = new() { PermitLimit = 6, Window = TimeSpan.FromHours(1) };

    /// <summary><c>GET /api/health</c> per client address.</summary>
    public RateLimitRule Health { get; set; } = new() { PermitLimit = 120, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Requests to the signed-in API (<c>/api/client</c>, <c>/api/onboarding</c>, <c>/api/admin</c>) per token.</summary>
    public RateLimitRule Api { get; set; } = new() { PermitLimit = 600, Window = TimeSpan.FromMinutes(1) };

    public bool IsValid => SignIn.IsValid && Registration.IsValid && Connect.IsValid && Rescan.IsValid && Health.IsValid && Api.IsValid;
}
