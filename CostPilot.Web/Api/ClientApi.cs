using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Web.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>/api/client</c>: the caller's own AWS accounts and what is in them. Another user's ids are 404, word for word like ids that
/// do not exist. The lists are in <see cref="ClientInventoryApi"/>, experiments in <see cref="ClientExperimentsApi"/>, and the CSV
/// downloads are the pages' own handlers (<see cref="ExportEndpoints.MapExports"/>).
/// </summary>
public static class ClientApi
{
    public static RouteGroupBuilder MapClientApi(this RouteGroupBuilder client)
    {
        client.MapGet("/summary", SummaryAsync)
            .WithSummary("What the dashboard shows: cost and potential savings over all your accounts")
            .WithDescription("Money is USD per month, exact to the cent. Resources and savings whose price is unknown are counted, never priced.");

        client.MapGet("/accounts", async (HttpContext http, InventoryQueryService inventory, CancellationToken ct) =>
                TypedResults.Ok(await inventory.ListAccountsAsync(ApiEndpoints.CallerOf(http), ct)))
            .WithSummary("Your AWS accounts, with status, instance counts and monthly cost");

        client.MapGet("/accounts/{id:guid}", async Task<Results<Ok<AccountDetail>, ProblemHttpResult>> (Guid id, HttpContext http,
                InventoryQueryService inventory, CancellationToken ct) =>
            ApiProblems.Ok(await inventory.GetAccountAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("One account: its status (poll it after connecting: discovering, then active or error), regions, volumes and addresses")
            .ProducesProblem(StatusCodes.Status404NotFound);

        client.MapPost("/accounts/{id:guid}/rescan", async Task<Results<Accepted, ProblemHttpResult>> (Guid id, HttpContext http,
                AccountService accounts, CancellationToken ct) =>
            await accounts.RescanAsync(ApiEndpoints.CallerOf(http), id, ct) is { Succeeded: false } failed
                ? ApiProblems.From(failed.Error)
                : TypedResults.Accepted($"/api/client/accounts/{id}"))
            .WithSummary("Scan the account again now; follow its status with GET /api/client/accounts/{id}")
            .WithDescription("409 while a scan is already running; 429 when rescans are asked for too often.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        client.MapDelete("/accounts/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, HttpContext http, AccountService accounts,
                CancellationToken ct) =>
            ApiProblems.NoContent(await accounts.RemoveAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("Remove the account from CostPilot with its credentials and everything discovered in it (nothing changes in AWS)")
            .ProducesProblem(StatusCodes.Status404NotFound);

        client.MapGet("/accounts/{id:guid}/costs", async Task<Results<Ok<AccountCosts>, ProblemHttpResult>> (Guid id, HttpContext http,
                InventoryQueryService inventory, CancellationToken ct) =>
            ApiProblems.Ok(await inventory.GetCostsAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("Where the account's money goes: by region, instance family, Team and Environment tags, and the daily history")
            .WithDescription("Each breakdown lists the 8 largest and then \"other\" with the rest, so it adds up to its whole. Totals are in GET /api/client/accounts/{id}.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        client.MapClientInventoryApi();
        client.MapClientExperimentsApi();
        client.MapExports(experimentsPath: "/experiments/export.csv");
        return client;
    }

    private static async Task<Ok<ClientSummary>> SummaryAsync(HttpContext http, InventoryQueryService inventory, RecommendationService recommendations,
        CancellationToken ct)
    {
        var caller = ApiEndpoints.CallerOf(http);
        var accounts = await inventory.ListAccountsAsync(caller, ct);
        var overview = await recommendations.GetOverviewAsync(caller, ct: ct);
        var savings = await recommendations.SavingsDetailByAccountAsync(caller, ct);
        var perAccount = accounts.Select(a => new AccountSummary(a.Id, a.Name, a.Status, a.Cost,
            savings.TryGetValue(a.Id, out var s) ? new SavingsTotals(s.MonthlySaving, s.Recommendations, s.Unknown) : new SavingsTotals(0m, 0, 0))).ToList();
        return TypedResults.Ok(new ClientSummary(
            accounts.Count,
            accounts.Sum(a => a.Instances),
            accounts.Sum(a => a.Running),
            accounts.Count(a => a.Status == AccountStatus.Error),
            accounts.Aggregate(CostBreakdown.Zero, (sum, a) => sum + a.Cost),
            new SavingsTotals(overview.MonthlySaving, overview.Recommendations, savings.Values.Sum(s => s.Unknown)),
            perAccount,
            overview.Top));
    }
}
