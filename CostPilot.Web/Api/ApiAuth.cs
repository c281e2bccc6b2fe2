using System.Security.Claims;
using System.Text;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;

namespace CostPilot.Web.Api;

/// <summary>
/// How <c>/api</c> callers prove who they are: <c>Authorization: Bearer</c> with a sign-in token (a JWT from
/// <c>POST /api/auth/login</c>, 24 hours) or a personal access token (<c>cpat_…</c>, made on the profile page). Cookies are
/// never read there, so the API has no CSRF surface. Every request checks the user afresh: a token of a user who was
/// demoted, locked, disabled, signed out everywhere or deleted stops working at once.
/// </summary>
public static class ApiAuth
{
    /// <summary>The scheme the API's endpoints require: it forwards to <see cref="JwtScheme"/> or <see cref="PatScheme"/>.</summary>
    public const string Scheme = "Api";
    public const string JwtScheme = "ApiJwt";
    public const string PatScheme = PersonalAccessTokenHandler.SchemeName;

    /// <summary>How a personal access token starts; a JWT never does.</summary>
    public const string PatPrefix = PersonalAccessTokenService.TokenPrefix;

    public const string Issuer = "costpilot";
    public const string Audience = "costpilot-api";

    /// <summary>The security stamp the token was issued under.</summary>
    public const string StampClaim = "costpilot:stamp";

    public const string SecretKeyVariable = "JWT_SECRET_KEY";
    public const int MinimumKeyBytes = 32;

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(24);

    public static AuthenticationBuilder AddApiAuthentication(this AuthenticationBuilder authentication, IHostApplicationBuilder builder)
    {
        var key = new SymmetricSecurityKey(SigningKey(builder));
        authentication.Services.AddSingleton(new ApiSigningKey(key));
        authentication.Services.AddSingleton<ApiTokenIssuer>();
        return authentication
            .AddPolicyScheme(Scheme, "CostPilot API", options =>
            {
                options.ForwardDefaultSelector = http =>
                    BearerToken(http.Request)?.StartsWith(PatPrefix, StringComparison.Ordinal) == true ? PatScheme : JwtScheme;
            })
            .AddJwtBearer(JwtScheme, options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = Issuer,
                    ValidAudience = Audience,
                    IssuerSigningKey = key,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RequireExpirationTime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = ClaimTypes.Email,
                    RoleClaimType = ClaimTypes.Role,
                };
                options.Events = new JwtBearerEvents
                {
                    OnTokenValidated = ValidateUserAsync,
                    OnChallenge = ChallengeAsync,
                    OnForbidden = context => ApiProblems.Write(context.HttpContext, StatusCodes.Status403Forbidden),
                };
            });
    }

    /// <summary>The bearer token of a request, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    /// <summary>
    /// <c>JWT_SECRET_KEY</c>: at least 32 bytes (as text, or base64 of them). Required outside Development; Development keeps a
    /// random key in the data folder so tokens survive a restart.
    /// </summary>
    public static byte[] SigningKey(IHostApplicationBuilder builder)
    {
        var text = builder.Configuration[SecretKeyVariable];
        if (string.IsNullOrWhiteSpace(text))
        {
            if (!builder.Environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    $"{SecretKeyVariable} is not set. The API signs its sign-in tokens with it and CostPilot will not start without one " +
                    "outside Development. Generate one with 'openssl rand -base64 32'; every node of one installation needs the same key.");
            }
            text = DevelopmentKeyFile.LoadOrCreate(Infrastructure.DependencyInjection.DataDirectory(builder), "jwt.key", MinimumKeyBytes);
        }
        var bytes = DecodeKey(text.Trim());
        return bytes.Length >= MinimumKeyBytes
            ? bytes
            : throw new InvalidOperationException($"{SecretKeyVariable} must be at least {MinimumKeyBytes} bytes; it is {bytes.Length}.");
    }

    // Base64 of random bytes (what 'openssl rand -base64 32' prints) is taken as those bytes; anything else as UTF-8 text.
    private static byte[] DecodeKey(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) && written >= MinimumKeyBytes
            ? buffer[..written]
            : Encoding.UTF8.GetBytes(text);
    }

    /// <summary>The token's user must still exist, may still sign in, and must still carry the security stamp it was issued under.</summary>
    private static async Task ValidateUserAsync(TokenValidatedContext context)
    {
        var principal = context.Principal;
        var id = principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var stamp = principal?.FindFirstValue(StampClaim);
        var signIn = context.HttpContext.RequestServices.GetRequiredService<CostPilotSignInManager>();
        var user = id is null ? null : await signIn.UserManager.FindByIdAsync(id);
        // Identity's own stamp check, as the cookie sessions get (SessionValidation).
        if (user is null || !await signIn.ValidateSecurityStampAsync(user, stamp)
            || !await signIn.CanSignInAsync(user) || await signIn.UserManager.IsLockedOutAsync(user))
        {
            context.Fail("The token is no longer valid.");
        }
    }

    private static Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        context.Response.Headers.WWWAuthenticate = "Bearer";
        var detail = context.AuthenticateFailure is null && BearerToken(context.Request) is null
            ? "Send a token: 'Authorization: Bearer <token>' (POST /api/auth/login, or a personal access token from your profile)."
            : "The token is not valid or has expired. Sign in again.";
        return ApiProblems.Write(context.HttpContext, StatusCodes.Status401Unauthorized, detail);
    }
}

/// <summary>The key sign-in tokens are signed and checked with.</summary>
public sealed record ApiSigningKey(SecurityKey Key);
