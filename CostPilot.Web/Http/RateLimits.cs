using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using CostPilot.Infrastructure.Security;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CostPilot.Web.Http;

/// <summary>
/// The ASP.NET Core rate limiter on the HTTP endpoints anyone can hit: signing in and registering (form posts only) and
/// <c>/api/health</c>, each per client address (as seen through a known proxy). Over the limit: 429 with Retry-After, a
/// short page for people, problem details for <c>/api</c>. Limits are <see cref="RateLimitOptions"/>.
/// </summary>
internal static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string Registration = "registration";
    public const string Health = "health";
    public const string ApiToken = "api-token";

    public static IServiceCollection AddHttpRateLimits(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(SignIn, http => PostsByAddress(http, o => o.SignIn));
            limiter.AddPolicy(Registration, http => PostsByAddress(http, o => o.Registration));
            limiter.AddPolicy(Health, http => ByAddress(http, Rules(http).Health));
            limiter.AddPolicy(ApiToken, http => ByToken(http, Rules(http).Api));
            limiter.OnRejected = OnRejectedAsync;
        });

    /// <summary>
    /// Who a limit counts: the client's address; an IPv6 client by its /64, the block one customer line gets (it could
    /// otherwise change address at every request).
    /// </summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static RateLimitOptions Rules(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;

    // Viewing the form is free; posting it counts.
    private static RateLimitPartition<string> PostsByAddress(HttpContext http, Func<RateLimitOptions, RateLimitRule> rule) =>
        HttpMethods.IsPost(http.Request.Method) ? ByAddress(http, rule(Rules(http))) : RateLimitPartition.GetNoLimiter("");

    private static RateLimitPartition<string> ByAddress(HttpContext http, RateLimitRule rule) =>
        RateLimitPartition.GetFixedWindowLimiter(ClientKey(http.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = rule.PermitLimit,
            Window = rule.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    // Each API token counts alone (a sign-in token by its id, a personal access token by its id); an unauthenticated request
    // never gets this far (authorization runs first), but would count by address.
    private static RateLimitPartition<string> ByToken(HttpContext http, RateLimitRule rule)
    {
        var token = http.User.FindFirst(Api.PersonalAccessTokenHandler.TokenIdClaim)?.Value is { } pat ? "pat:" + pat
            : http.User.FindFirst("jti")?.Value is { } jti ? "jwt:" + jti
            : "address:" + ClientKey(http.Connection.RemoteIpAddress);
        return RateLimitPartition.GetFixedWindowLimiter(token, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = rule.PermitLimit,
            Window = rule.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        var http = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        http.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var policy = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
        var later = $"Try again within {ServiceRateLimits.Span(wait)}.";
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                detail: policy == ApiToken ? $"This token sent too many requests. {later}" : $"This address sent too many requests. {later}")
                .ExecuteAsync(http);
            return;
        }
        var (message, back, backText) = policy switch
        {
            Registration => ($"Too many accounts were created from your network. {later}", "/account/register", "Back to registration"),
            _ => ($"Too many sign-in attempts from your network. {later}", "/account/login", "Back to sign in"),
        };
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(Page(message, back, backText), ct);
    }

    private static string Page(string message, string back, string backText) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1.0" /><title>Too many attempts · CostPilot</title></head>
        <body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
        <h1 style="font-size: 1.5rem">Too many attempts</h1>
        <p data-testid="rate-limited">{{WebUtility.HtmlEncode(message)}}</p>
        <p><a href="{{back}}">{{backText}}</a></p>
        </body>
        </html>
        """;
}
