using System.ComponentModel.DataAnnotations;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Web.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>/api/onboarding</c>: what the caller needs to connect an AWS account, and connecting it. The connect endpoints call the
/// onboarding forms' service, so the checks, the messages and the per-user limit on attempts are the forms'. A connected account
/// is discovered in the background: poll <c>GET /api/client/accounts/{id}</c> until its status is <c>active</c>.
/// </summary>
public static class OnboardingApi
{
    public static RouteGroupBuilder MapOnboardingApi(this RouteGroupBuilder onboarding)
    {
        onboarding.MapGet("/external-id", async (HttpContext http, AccountService accounts, CancellationToken ct) =>
                TypedResults.Ok(new ExternalIdResponse(await accounts.GetOrCreateExternalIdAsync(ApiEndpoints.CallerOf(http), ct))))
            .WithSummary("Your External ID, for the trust policy of the role CostPilot assumes");

        onboarding.MapGet("/cloudformation-template", CloudFormationEndpoints.TemplateAsync)
            .WithSummary("The CloudFormation template (YAML) that creates the read-only role, with your External ID filled in")
            .WithDescription("409 when CostPilot itself has no AWS identity yet (an administrator sets its credentials).")
            .Produces<string>(StatusCodes.Status200OK, "application/x-yaml")
            .ProducesProblem(StatusCodes.Status409Conflict);

        onboarding.MapPost("/role", async Task<Results<Created<ConnectedResponse>, ValidationProblem, ProblemHttpResult>> (RoleConnectRequest request,
                HttpContext http, AccountService accounts, CancellationToken ct) =>
            Connected(await accounts.ConnectWithRoleAsync(ApiEndpoints.CallerOf(http), request.Name, request.RoleArn, ct), _ => "roleArn"))
            .WithSummary("Connect an AWS account by the IAM role CostPilot assumes (created by the CloudFormation template)")
            .WithDescription("201 with the account's id. 400 names the field; 409 when the AWS account is connected already; 429 after too many attempts.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        onboarding.MapPost("/access-keys", async Task<Results<Created<ConnectedResponse>, ValidationProblem, ProblemHttpResult>> (
                AccessKeysConnectRequest request, HttpContext http, AccountService accounts, CancellationToken ct) =>
            Connected(await accounts.ConnectWithAccessKeysAsync(ApiEndpoints.CallerOf(http), request.Name, request.AccessKeyId, request.SecretAccessKey, ct),
                _ => KeyFieldOf(request)))
            .WithSummary("Connect an AWS account with a read-only IAM user's access key (the secret is stored encrypted and never returned)")
            .WithDescription("201 with the account's id. 400 names the field when the format is wrong; 409 when the AWS account is connected already.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        onboarding.MapPost("/sample", async Task<Results<Created<ConnectedResponse>, ValidationProblem, ProblemHttpResult>> (HttpContext http,
                AccountService accounts, CancellationToken ct) =>
            Connected(await accounts.ConnectSandboxAsync(ApiEndpoints.CallerOf(http), ct), _ => null))
            .WithSummary("Add the sample account: a simulated fleet to try CostPilot on, no AWS needed (one per user)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return onboarding;
    }

    /// <summary>201 with the new account's id and its URL, or the error; an invalid input names <paramref name="fieldOf"/>'s field when known.</summary>
    private static Results<Created<ConnectedResponse>, ValidationProblem, ProblemHttpResult> Connected(Result<Guid> result,
        Func<ServiceError, string?> fieldOf)
    {
        if (result.Succeeded)
        {
            return TypedResults.Created($"/api/client/accounts/{result.Value}", new ConnectedResponse(result.Value));
        }
        return result.Error.Kind == ErrorKind.Invalid && fieldOf(result.Error) is { } field
            ? ApiProblems.Invalid(field, result.Error.Message)
            : ApiProblems.From(result.Error);
    }

    /// <summary>
    /// Which field an invalid access-key connection is about, decided by the form's own format checks (in the service's order):
    /// null when the format is right and AWS refused the key (the key id and the secret go together then).
    /// </summary>
    private static string? KeyFieldOf(AccessKeysConnectRequest request)
    {
        var id = request.AccessKeyId?.Trim();
        return !AccountInput.IsAccessKeyId(id) ? "accessKeyId"
            : !AccountInput.IsSecretAccessKey(request.SecretAccessKey?.Trim()) ? "secretAccessKey"
            : id!.StartsWith("ASIA", StringComparison.Ordinal) ? "accessKeyId"
            : null;
    }
}

/// <param name="ExternalId">Put it in the role's trust policy (sts:ExternalId); it is the same for all your accounts.</param>
public sealed record ExternalIdResponse(string ExternalId);

/// <param name="Id">The new account's id: follow it at <c>GET /api/client/accounts/{id}</c> (the Location header).</param>
public sealed record ConnectedResponse(Guid Id);

/// <summary>What <c>POST /api/onboarding/role</c> reads.</summary>
/// <param name="Name">The account's name in CostPilot (optional; "AWS 123456789012" when empty).</param>
/// <param name="RoleArn">The role's ARN from the stack's Outputs, e.g. <c>arn:aws:iam::123456789012:role/CostPilotReadOnly</c>.</param>
public sealed record RoleConnectRequest(
    [property: MaxLength(100, ErrorMessage = "A name has at most 100 characters.")]
    string? Name,
    [property: MaxLength(2048, ErrorMessage = "That is not an IAM role ARN. It looks like arn:aws:iam::123456789012:role/CostPilotReadOnly.")]
    string? RoleArn);

/// <summary>What <c>POST /api/onboarding/access-keys</c> reads. The secret is never echoed back or logged.</summary>
/// <param name="Name">The account's name in CostPilot (optional).</param>
/// <param name="AccessKeyId">AKIA followed by 16 upper-case letters and digits.</param>
/// <param name="SecretAccessKey">The 40-character secret access key.</param>
public sealed record AccessKeysConnectRequest(
    [property: MaxLength(100, ErrorMessage = "A name has at most 100 characters.")]
    string? Name,
    [property: MaxLength(128, ErrorMessage = "An access key id is AKIA or ASIA followed by 16 upper-case letters and digits.")]
    string? AccessKeyId,
    [property: MaxLength(128, ErrorMessage = "A secret access key is exactly 40 characters (letters, digits, / and +).")]
    string? SecretAccessKey);
