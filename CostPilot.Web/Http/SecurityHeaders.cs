using System.Security.Cryptography;

namespace CostPilot.Web.Http;

/// <summary>
/// Security headers on every response (pages, endpoints, static files, errors): a Content Security Policy, no framing,
/// no MIME sniffing, and referrers cut to the origin across sites.
/// </summary>
internal static class SecurityHeaders
{
    private const string NonceKey = "costpilot.csp-nonce";

    // Hangfire's dashboard: its own scripts, inline style attributes, a data: favicon; it polls with XHR. No import map.
    private const string DashboardPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var policy = context.Request.Path.StartsWithSegments("/hangfire")
            ? DashboardPolicy
            : AppPolicy(NewNonce(context), context.Request.Host);
        // Set as the response starts, so a response the exception handler cleared gets them too.
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>
    /// Blazor Server and MudBlazor: scripts from the app only (and the import map, by nonce); MudBlazor sets inline styles;
    /// the circuit is a WebSocket back to the same host; MudBlazor's CSS carries data: images.
    /// </summary>
    private static string AppPolicy(string nonce, HostString host) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        $"font-src 'self' data:; connect-src 'self'{WebSocketSources(host)}; object-src 'none'; base-uri 'self'; form-action 'self'; " +
        "frame-ancestors 'none'";

    /// <summary>The nonce that lets this response's inline scripts (the import map) run; null outside a request.</summary>
    public static string? Nonce(HttpContext context) => context.Items[NonceKey] as string;

    private static string NewNonce(HttpContext context)
    {
        // URL-safe base64: nothing in it that HTML encoding would rewrite.
        var nonce = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        return nonce;
    }

    /// <summary>
    /// The circuit's WebSocket on this host. Browsers that follow CSP 3 count ws/wss to the same host as 'self'; older ones
    /// need them named.
    /// </summary>
    private static string WebSocketSources(HostString host) =>
        host.HasValue ? $" ws://{host.ToUriComponent()} wss://{host.ToUriComponent()}" : "";
}
