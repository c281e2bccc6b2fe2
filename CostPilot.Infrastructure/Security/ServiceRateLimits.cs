using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace CostPilot.Infrastructure.Security;

/// <summary>
/// Limits on what the UI calls on services directly, through its circuit, where no HTTP request passes the ASP.NET Core
/// rate limiter: attempts to connect an AWS account (each asks STS), per user, and "Rescan now", per account. The services
/// check them, so they hold whatever calls them.
/// </summary>
public sealed class ServiceRateLimits : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string> _connect;
    private readonly PartitionedRateLimiter<string> _rescan;

    public ServiceRateLimits(IOptions<RateLimitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _connect = Create(_options.Connect);
        _rescan = Create(_options.Rescan);
    }

    /// <summary>Counts one attempt of <paramref name="userId"/> to connect an account; the error when over the limit.</summary>
    public ServiceError? TryConnect(string userId) =>
        Acquire(_connect, userId, _options.Connect, rule =>
            $"You have tried to connect an AWS account {Times(rule.PermitLimit)} in {Span(rule.Window)}, the most CostPilot allows.");

    /// <summary>Counts one rescan of <paramref name="accountId"/>; the error when over the limit.</summary>
    public ServiceError? TryRescan(Guid accountId) =>
        Acquire(_rescan, accountId.ToString(), _options.Rescan, rule =>
            $"This account was rescanned {Times(rule.PermitLimit)} in {Span(rule.Window)}, the most CostPilot allows. It is also scanned on its schedule.");

    public void Dispose()
    {
        _connect.Dispose();
        _rescan.Dispose();
    }

    private static PartitionedRateLimiter<string> Create(RateLimitRule rule) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = rule.PermitLimit,
            Window = rule.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    private static ServiceError? Acquire(PartitionedRateLimiter<string> limiter, string key, RateLimitRule rule, Func<RateLimitRule, string> what)
    {
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : rule.Window;
        return ServiceError.RateLimited($"{what(rule)} Try again within {Span(wait)}.");
    }

    private static string Times(int count) => count == 1 ? "once" : $"{count} times";

    /// <summary>"an hour", "10 minutes", "30 seconds": rounded up, never "0".</summary>
    public static string Span(TimeSpan span) => span switch
    {
        { TotalHours: >= 2 } => $"{Math.Ceiling(span.TotalHours).ToString(CultureInfo.InvariantCulture)} hours",
        { TotalMinutes: > 60 } => $"{Math.Ceiling(span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} minutes",
        { TotalMinutes: >= 60 } => "an hour",
        { TotalSeconds: > 60 } => $"{Math.Ceiling(span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} minutes",
        { TotalSeconds: >= 60 } => "a minute",
        _ => $"{Math.Max(1, Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture)} seconds",
    };
}
