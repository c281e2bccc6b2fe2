using CostPilot.Web.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CostPilot.Web.Api;

/// <summary>
/// The OpenAPI document generated from the API's endpoints (<c>/api/openapi/v1.json</c>) and its interactive reference
/// (Scalar, <c>/api/docs</c>, linked from the app's footer). Only <c>/api</c> endpoints are in it; those that need a token say so.
/// </summary>
public static class ApiDocument
{
    public const string Name = "v1";
    public const string Route = "/api/openapi/{documentName}.json";
    public const string ReferencePath = "/api/docs";
    private const string BearerScheme = "bearer";

    public static void Configure(OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The API, and /api/health; not the pages' own links that live under /api (the CloudFormation download).
        options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true
            && !description.RelativePath.StartsWith("api/openapi", StringComparison.Ordinal)
            && !description.RelativePath.StartsWith("api/cloudformation", StringComparison.Ordinal);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "CostPilot API",
                Version = HealthVersion(),
                Description =
                    "Script CostPilot: sign in with `POST /api/auth/login` (or use a personal access token from your profile), then send " +
                    "`Authorization: Bearer TOKEN`. Errors are RFC 9457 problem details. Another user's ids answer 404.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT or cpat_ personal access token",
                Description = "A token from POST /api/auth/login (24 hours) or a personal access token.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>The interactive reference, allowed by the page's Content Security Policy through the response's nonce.</summary>
    public static void MapApiReference(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapScalarApiReference(ReferencePath, (options, http) => options
                .WithTitle("CostPilot API")
                .WithOpenApiRoutePattern(Route)
                .DisableDefaultFonts()
                .ExpandAllTags()
                .HideDeveloperTools()
                .HideClientButton()
                .DisableAgent()
                .DisableMcp()
                .WithNonce(SecurityHeaders.Nonce(http) ?? "")
                .AddPreferredSecuritySchemes(BearerScheme))
            .AllowAnonymous();

    private static string HealthVersion() => Endpoints.HealthEndpoints.Version;
}
