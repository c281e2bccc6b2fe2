using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Identity;
using CostPilot.Web.Http;
using Microsoft.AspNetCore.Mvc;

namespace CostPilot.Web.Api;

/// <summary>
/// The REST API: <c>/api/auth</c>, <c>/api/client</c>, <c>/api/onboarding</c> and <c>/api/admin</c>, each a group of minimal
/// endpoints calling the same services as the pages (so ownership, roles, validation and limits are checked once, there).
/// Bearer tokens only (<see cref="ApiAuth"/>); errors are problem details (<see cref="ApiProblems"/>); bodies are capped at
/// <see cref="MaxBodyBytes"/>; each token has its own rate limit. <c>/api/health</c> stays anonymous and is mapped apart.
/// </summary>
public static class ApiEndpoints
{
    public const string ClientPolicy = "api-client";
    public const string AdminPolicy = "api-admin";
    public const string AnyUserPolicy = "api-user";

    /// <summary>The largest request body the API reads (1 MiB); a larger one is refused with 413 before it is read.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    public static IServiceCollection AddApi(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = CamelCaseFields);
        services.AddValidation();
        services.AddOpenApi(ApiDocument.Name, ApiDocument.Configure);
        services.AddAuthorizationBuilder()
            .AddPolicy(AnyUserPolicy, policy => policy.AddAuthenticationSchemes(ApiAuth.Scheme).RequireAuthenticatedUser())
            .AddPolicy(ClientPolicy, policy => policy.AddAuthenticationSchemes(ApiAuth.Scheme).RequireRole(Roles.Client))
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(ApiAuth.Scheme).RequireRole(Roles.Admin, Roles.SuperAdmin));
        return services;
    }

    public static void MapApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api")
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapGroup("/auth").WithTags("Auth").MapAuthApi();

        var signedIn = api.MapGroup("").RequireRateLimiting(RateLimits.ApiToken);
        signedIn.MapGroup("/client").WithTags("Client").RequireAuthorization(ClientPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .MapClientApi();
        signedIn.MapGroup("/onboarding").WithTags("Onboarding").RequireAuthorization(ClientPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .MapOnboardingApi();
        signedIn.MapGroup("/admin").WithTags("Admin").RequireAuthorization(AdminPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .MapAdminApi();

        endpoints.MapOpenApi(ApiDocument.Route).AllowAnonymous();
        endpoints.MapApiReference();
    }

    /// <summary>
    /// Field errors name the field as the JSON request spells it (<c>roleArn</c>, <c>recommendationId</c>): the validation of
    /// request records reports C# property names (<c>RoleArn</c>), the endpoints' own checks the JSON names.
    /// </summary>
    private static void CamelCaseFields(ProblemDetailsContext context)
    {
        if (context.ProblemDetails is HttpValidationProblemDetails { Errors.Count: > 0 } validation)
        {
            var errors = validation.Errors.ToList();
            validation.Errors.Clear();
            foreach (var (field, messages) in errors)
            {
                var name = System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(field);
                validation.Errors[name] = validation.Errors.TryGetValue(name, out var earlier) ? [.. earlier, .. messages] : messages;
            }
        }
    }

    /// <summary>Who is calling, as the services check it: the token's user, roles and e-mail, and the client's address.</summary>
    public static Caller CallerOf(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Caller.FromPrincipal(http.User, http.Connection.RemoteIpAddress?.ToString());
    }
}
