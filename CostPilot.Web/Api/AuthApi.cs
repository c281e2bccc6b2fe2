using System.ComponentModel.DataAnnotations;
using CostPilot.Infrastructure.Identity;
using CostPilot.Web.Auth;
using CostPilot.Web.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace CostPilot.Web.Api;

/// <summary><c>/api/auth</c>: trade an e-mail and password for a 24-hour token, and ask whom a token belongs to.</summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder auth)
    {
        auth.MapPost("/login", LoginAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.SignIn)
            .WithSummary("Sign in with e-mail and password")
            .WithDescription("Returns a bearer token valid for 24 hours. Same lockout (5 failures, 15 minutes) and rate limit as the sign-in page.")
            .ProducesValidationProblem();

        auth.MapGet("/me", MeAsync)
            .RequireAuthorization(ApiEndpoints.AnyUserPolicy)
            .RequireRateLimiting(RateLimits.ApiToken)
            .WithSummary("Who the token belongs to");
        return auth;
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, CostPilotSignInManager signIn, SignInLanding landing, ApiTokenIssuer issuer)
    {
        var users = signIn.UserManager;
        var user = await users.FindByEmailAsync(request.Email.Trim());
        if (user is null)
        {
            // Spend the same bcrypt time as a real check, so timing does not reveal unknown e-mails.
            landing.BurnPasswordCheck(request.Password);
            return Unauthorized(SignInLanding.FailureMessage);
        }
        var result = await signIn.CheckPasswordSignInAsync(user, request.Password, lockoutOnFailure: true);
        if (!result.Succeeded)
        {
            // Only someone who knows the password learns that the account is disabled.
            return Unauthorized(result.IsNotAllowed && await signIn.IsDisabledWithPasswordAsync(user, request.Password)
                ? CostPilotSignInManager.DisabledMessage
                : SignInLanding.FailureMessage);
        }
        await landing.RecordSignInAsync(user);
        var roles = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToList();
        var token = issuer.Issue(user, roles);
        return TypedResults.Ok(new LoginResponse(token.Token, "Bearer", (int)ApiAuth.TokenLifetime.TotalSeconds, token.ExpiresAt,
            PrimaryRole(roles), roles));
    }

    private static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> MeAsync(HttpContext http, UserManager<AppUser> users)
    {
        var caller = ApiEndpoints.CallerOf(http);
        var user = await users.FindByIdAsync(caller.UserId);
        if (user is null)
        {
            return Unauthorized("The token's user no longer exists.");
        }
        var roles = caller.Roles.Order(StringComparer.Ordinal).ToList();
        var via = http.User.FindFirst(PersonalAccessTokenHandler.TokenIdClaim) is null ? "sign-in" : "personal-access-token";
        var expires = http.User.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : (DateTimeOffset?)null;
        return TypedResults.Ok(new MeResponse(user.Id, user.Email ?? "", user.DisplayName, PrimaryRole(roles), roles, via, expires));
    }

    /// <summary>The role that decides what the user sees: super_admin over admin over client.</summary>
    public static string PrimaryRole(IReadOnlyCollection<string> roles) =>
        new[] { Domain.Users.Roles.SuperAdmin, Domain.Users.Roles.Admin, Domain.Users.Roles.Client }.FirstOrDefault(roles.Contains) ?? "";

    private static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status401Unauthorized, title: ApiProblems.Title(401));
}

/// <summary>What <c>POST /api/auth/login</c> reads. The messages are the sign-in form's.</summary>
public sealed record LoginRequest(
    [property: Required(ErrorMessage = "Enter your e-mail.")]
    [property: EmailAddress(ErrorMessage = "Enter a valid e-mail address.")]
    [property: MaxLength(256, ErrorMessage = "An e-mail address has at most 256 characters.")]
    string Email,
    [property: Required(ErrorMessage = "Enter your password.")]
    [property: MaxLength(1024, ErrorMessage = "A password has at most 1024 characters.")]
    string Password);

/// <param name="AccessToken">The bearer token: send it as <c>Authorization: Bearer …</c>.</param>
/// <param name="TokenType">Always <c>Bearer</c>.</param>
/// <param name="ExpiresIn">Seconds until the token expires (86400).</param>
/// <param name="ExpiresAt">When the token expires.</param>
/// <param name="Role">The user's main role: <c>client</c>, <c>admin</c> or <c>super_admin</c>.</param>
/// <param name="Roles">Every role of the user.</param>
public sealed record LoginResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("token_type")] string TokenType,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    string Role,
    IReadOnlyList<string> Roles);

/// <param name="Via"><c>sign-in</c> for a token from <c>/api/auth/login</c>, <c>personal-access-token</c> for a personal access token.</param>
/// <param name="ExpiresAt">When a sign-in token expires; null for a personal access token (see the profile page).</param>
public sealed record MeResponse(string Id, string Email, string? DisplayName, string Role, IReadOnlyList<string> Roles, string Via,
    DateTimeOffset? ExpiresAt);
