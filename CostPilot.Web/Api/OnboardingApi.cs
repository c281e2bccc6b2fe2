using CostPilot.Infrastructure.Accounts;

namespace CostPilot.Web.Api;

/// <summary><c>/api/onboarding</c>: what the caller needs to connect an AWS account, and connecting it.</summary>
public static class OnboardingApi
{
    public static RouteGroupBuilder MapOnboardingApi(this RouteGroupBuilder onboarding)
    {
        onboarding.MapGet("/external-id", async (HttpContext http, AccountService accounts, CancellationToken ct) =>
                TypedResults.Ok(new ExternalIdResponse(await accounts.GetOrCreateExternalIdAsync(ApiEndpoints.CallerOf(http), ct))))
            .WithSummary("Your External ID, for the trust policy of the role CostPilot assumes");
        return onboarding;
    }
}

/// <param name="ExternalId">Put it in the role's trust policy (sts:ExternalId); it is the same for all your accounts.</param>
public sealed record ExternalIdResponse(string ExternalId);
