using CostPilot.Infrastructure.Inventory;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary><c>/api/client</c>: the caller's own AWS accounts and what is in them. Another user's ids are 404.</summary>
public static class ClientApi
{
    public static RouteGroupBuilder MapClientApi(this RouteGroupBuilder client)
    {
        client.MapGet("/accounts", async (HttpContext http, InventoryQueryService inventory, CancellationToken ct) =>
                TypedResults.Ok(await inventory.ListAccountsAsync(ApiEndpoints.CallerOf(http), ct)))
            .WithSummary("Your AWS accounts, with status, instance counts and monthly cost");

        client.MapGet("/accounts/{id:guid}", async Task<Results<Ok<AccountDetail>, ProblemHttpResult>> (Guid id, HttpContext http,
                InventoryQueryService inventory, CancellationToken ct) =>
            ApiProblems.Ok(await inventory.GetAccountAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("One account: its regions, volumes and addresses")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return client;
    }
}
