using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>/api/admin/accounts</c>: every tenant's AWS accounts, as the admin Accounts page lists them (never a credential), and the
/// rescan and removal an owner could do (<see cref="AdminAccountService"/>, audited there).
/// </summary>
public static class AdminAccountsApi
{
    public static RouteGroupBuilder MapAdminAccountsApi(this RouteGroupBuilder admin)
    {
        var accounts = admin.MapGroup("/accounts");

        accounts.MapGet("", ListAsync)
            .WithSummary("Every tenant's AWS accounts with owner, status, last scan, instances, monthly cost and savings")
            .ProducesValidationProblem();

        accounts.MapPost("/{id:guid}/rescan", async Task<Results<Accepted, ProblemHttpResult>> (Guid id, HttpContext http,
                AdminAccountService service, CancellationToken ct) =>
            await service.RescanAsync(ApiEndpoints.CallerOf(http), id, ct) is { Succeeded: false } refused
                ? ApiProblems.From(refused.Error)
                : TypedResults.Accepted((string?)null))
            .WithSummary("Start a discovery of any tenant's account now")
            .WithDescription("202 once the discovery is queued; 409 while one runs or when the account cannot be scanned; 429 when rescanned too often (the owner's limit).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        accounts.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, HttpContext http,
                AdminAccountService service, CancellationToken ct) =>
            ApiProblems.NoContent(await service.RemoveAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("Remove any tenant's account with its credentials, inventory, recommendations and schedule")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    /// <param name="status">Only accounts in this status: connected, discovering, active, error or interrupted.</param>
    /// <param name="owner">Words in the owner's e-mail.</param>
    /// <param name="sort">name (the default), owner, status, last_scan, instances or monthly_cost.</param>
    /// <param name="desc">true: the largest, latest or last first.</param>
    /// <param name="skip">Accounts to skip (0 or more).</param>
    /// <param name="take">Accounts to return: 1 to 500, 50 by default; a page holds at most 200.</param>
    private static async Task<Results<Ok<ApiPage<AdminAccountRow>>, ValidationProblem, ProblemHttpResult>> ListAsync(HttpContext http,
        AdminAccountService service, CancellationToken ct, string? status = null, string? owner = null, string? sort = null,
        bool? desc = null, int? skip = null, int? take = null)
    {
        AccountStatus? wantedStatus = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!AdminApi.TryParseName<AccountStatus>(status, out var parsed))
            {
                return ApiProblems.Invalid("status", $"Unknown account status '{status}': use one of {AdminApi.NamesOf<AccountStatus>()}.");
            }
            wantedStatus = parsed;
        }
        var order = AdminAccountSort.Name;
        if (!string.IsNullOrEmpty(sort) && !AdminApi.TryParseName(sort, out order))
        {
            return ApiProblems.Invalid("sort", $"Unknown sort '{sort}': use one of {AdminApi.NamesOf<AdminAccountSort>()}.");
        }
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        var page = await service.ListAsync(ApiEndpoints.CallerOf(http),
            new AdminAccountQuery(wantedStatus, owner, order, desc ?? false, paging.Skip, paging.Take), ct);
        if (!page.Succeeded)
        {
            // The service refuses only the owner search (too long) as input; the status was read above.
            return page.Error.Kind == ErrorKind.Invalid ? ApiProblems.Invalid("owner", page.Error.Message) : ApiProblems.From(page.Error);
        }
        return TypedResults.Ok(new ApiPage<AdminAccountRow>(page.Value.Rows, page.Value.Total, paging.Skip,
            Math.Min(paging.Take, AdminAccountService.MaxTake)));
    }
}
