using CostPilot.Infrastructure.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>/api/admin/jobs</c>: CostPilot's failed and running discoveries, utilization collections and experiments, as the admin
/// Jobs page shows them; a failed one can be retried or deleted (<see cref="AdminJobService"/>, audited there). A job that is
/// not failed any more is 409. Every other job is in the Hangfire dashboard.
/// </summary>
public static class AdminJobsApi
{
    public static RouteGroupBuilder MapAdminJobsApi(this RouteGroupBuilder admin)
    {
        var jobs = admin.MapGroup("/jobs");

        jobs.MapGet("", ListAsync)
            .WithSummary("Failed jobs (newest first), then running ones, with their account, owner and error")
            .ProducesValidationProblem();

        jobs.MapGet("/{id}", async Task<Results<Ok<AdminJobStatus>, ProblemHttpResult>> (string id, HttpContext http, AdminJobService service,
                CancellationToken ct) =>
            {
                var state = await service.StateOfAsync(ApiEndpoints.CallerOf(http), id, ct);
                return state.Succeeded ? TypedResults.Ok(new AdminJobStatus(id, state.Value)) : ApiProblems.From(state.Error);
            })
            .WithSummary("Where one of CostPilot's jobs stands now, as Hangfire names it (Enqueued, Processing, Succeeded, Failed, …)")
            .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapPost("/{id}/retry", RetryAsync)
            .WithSummary("Put a failed job back in its queue")
            .WithDescription("202 with where the job stands now and its URL; 409 when the job is not failed any more (someone retried or deleted it).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        jobs.MapDelete("/{id}", async Task<Results<NoContent, ProblemHttpResult>> (string id, HttpContext http, AdminJobService service,
                CancellationToken ct) =>
            ApiProblems.NoContent(await service.DeleteAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("Delete a failed job")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return admin;
    }

    /// <param name="state">failed or processing; both when left out.</param>
    /// <param name="account">Only the jobs working for this account (its id).</param>
    /// <param name="skip">Jobs to skip (0 or more).</param>
    /// <param name="take">Jobs to return: 1 to 500, 50 by default.</param>
    private static async Task<Results<Ok<ApiPage<AdminJobRow>>, ValidationProblem, ProblemHttpResult>> ListAsync(HttpContext http,
        AdminJobService service, CancellationToken ct, string? state = null, string? account = null, int? skip = null, int? take = null)
    {
        AdminJobState? wantedState = null;
        if (!string.IsNullOrEmpty(state))
        {
            if (!AdminApi.TryParseName<AdminJobState>(state, out var parsed))
            {
                return ApiProblems.Invalid("state", $"Unknown job state '{state}': use one of {AdminApi.NamesOf<AdminJobState>()}.");
            }
            wantedState = parsed;
        }
        Guid? accountId = null;
        if (!string.IsNullOrEmpty(account))
        {
            if (!Guid.TryParse(account, out var id))
            {
                return ApiProblems.Invalid("account", "account must be an account's id.");
            }
            accountId = id;
        }
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        var rows = await service.ListAsync(ApiEndpoints.CallerOf(http), new AdminJobQuery(accountId, wantedState), ct);
        return rows.Succeeded
            ? TypedResults.Ok(new ApiPage<AdminJobRow>([.. rows.Value.Skip(paging.Skip).Take(paging.Take)], rows.Value.Count, paging.Skip, paging.Take))
            : ApiProblems.From(rows.Error);
    }

    private static async Task<Results<Accepted<AdminJobStatus>, ProblemHttpResult>> RetryAsync(string id, HttpContext http,
        AdminJobService service, CancellationToken ct)
    {
        var caller = ApiEndpoints.CallerOf(http);
        var retried = await service.RetryAsync(caller, id, ct);
        if (!retried.Succeeded)
        {
            return ApiProblems.From(retried.Error);
        }
        // A worker may already have picked it up; the state says where it stands now.
        var state = await service.StateOfAsync(caller, id, ct);
        return TypedResults.Accepted($"/api/admin/jobs/{Uri.EscapeDataString(id)}", new AdminJobStatus(id, state.Succeeded ? state.Value : "Deleted"));
    }
}

/// <param name="JobId">Hangfire's id of the job.</param>
/// <param name="State">Where it stands, as Hangfire names it: Enqueued, Processing, Succeeded, Failed, Deleted, …</param>
public sealed record AdminJobStatus(string JobId, string State);
