using CostPilot.Infrastructure.Health;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary><c>/api/admin</c>: the operations of the admin console, for admins and super admins.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/system", async Task<Results<Ok<SystemOverview>, ProblemHttpResult>> (HttpContext http, SystemOverviewService system,
                CancellationToken ct) =>
            ApiProblems.Ok(await system.GetAsync(ApiEndpoints.CallerOf(http), ct)))
            .WithSummary("Users, accounts, instances and job counts at a glance");
        return admin;
    }
}
