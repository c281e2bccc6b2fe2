using System.Security.Claims;
using System.Text.Encodings.Web;
using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CostPilot.Web.Api;

/// <summary>
/// The <c>ApiPat</c> scheme: <c>Authorization: Bearer cpat_…</c>, checked against the database on every request (the user's
/// roles read afresh, so a demoted, locked, disabled or deleted user's token loses its rights on the next request). A refusal
/// says only that the token is not valid, never why; no token is ever logged.
/// </summary>
public sealed class PersonalAccessTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PersonalAccessTokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiPat";

    /// <summary>The id of the token that authenticated the request.</summary>
    public const string TokenIdClaim = "costpilot:pat";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ApiAuth.BearerToken(Request) is not { } token || !token.StartsWith(PersonalAccessTokenService.TokenPrefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.NoResult();
        }
        if (await tokens.AuthenticateAsync(token, Context.RequestAborted) is not { } user)
        {
            return AuthenticateResult.Fail("The token is not valid.");
        }
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, user.UserId),
            new(ClaimTypes.Name, user.UserName ?? user.Email ?? user.UserId),
            new(TokenIdClaim, user.TokenId.ToString()),
        ];
        if (user.Email is { } email)
        {
            claims.Add(new Claim(ClaimTypes.Email, email));
        }
        claims.AddRange(user.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    /// <summary>401 with problem details, as the sign-in token scheme answers; the same words whatever was wrong.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblems.Write(Context, StatusCodes.Status401Unauthorized,
            "The token is not valid: it may have expired or been revoked. Make a new one on your profile page.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblems.Write(Context, StatusCodes.Status403Forbidden);
}

public static class PersonalAccessTokenAuthentication
{
    /// <summary>Registers the <c>ApiPat</c> scheme (<see cref="PersonalAccessTokenHandler"/>).</summary>
    public static AuthenticationBuilder AddPersonalAccessTokens(this AuthenticationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddScheme<AuthenticationSchemeOptions, PersonalAccessTokenHandler>(PersonalAccessTokenHandler.SchemeName, displayName: null, _ => { });
    }
}
