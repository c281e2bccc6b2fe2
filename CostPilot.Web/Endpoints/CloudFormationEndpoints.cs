using System.Security.Claims;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Identity;

namespace CostPilot.Web.Endpoints;

public static class CloudFormationEndpoints
{
    public const string TemplatePath = "/api/cloudformation/costpilot-role.yaml";

    /// <summary>The signed-in client's CloudFormation template, with their External ID and CostPilot's principal filled in.</summary>
    public static void MapCloudFormationEndpoints(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(TemplatePath, TemplateAsync).RequireAuthorization(policy => policy.RequireRole(Roles.Client));

    /// <summary>The template as a YAML download; 409 problem details while CostPilot has no AWS identity to trust.</summary>
    public static async Task<IResult> TemplateAsync(ClaimsPrincipal user, AccountService accounts, AwsIdentityService identity, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(identity);
        var caller = Caller.FromPrincipal(user);
        var principal = await identity.GetTrustedPrincipalAsync(ct);
        if (principal.Arn is null)
        {
            return Results.Problem(principal.Problem, statusCode: StatusCodes.Status409Conflict, title: "CostPilot has no AWS identity yet");
        }
        var externalId = await accounts.GetOrCreateExternalIdAsync(caller, ct);
        return Results.File(System.Text.Encoding.UTF8.GetBytes(CloudFormationTemplate.Build(principal.Arn, externalId)),
            "application/x-yaml", "costpilot-role.yaml");
    }
}
