using CostPilot.Domain.Inventory;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Web.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>/api/client/accounts/{id}/…</c>: an account's instances, volumes, addresses and recommendations, one page at a time. Each
/// list takes the same query parameters as its CSV download (read by the same parsers), plus <c>skip</c> and <c>take</c>.
/// </summary>
public static class ClientInventoryApi
{
    private static readonly string InstanceSorts = string.Join(", ", Enum.GetNames<InstanceSort>());
    private static readonly string InstanceStates = string.Join(", ", InstanceState.All.Select(s => s.Value));
    private static readonly string RecommendationSorts = string.Join(", ", Enum.GetNames<RecommendationSort>());
    private static readonly string Kinds = string.Join(", ", RecommendationKinds.All.Select(k => k.Slug()));
    private static readonly string Risks = string.Join(", ", Enum.GetNames<RecommendationRisk>().Select(r => r.ToLowerInvariant()));

    public static RouteGroupBuilder MapClientInventoryApi(this RouteGroupBuilder client)
    {
        var account = client.MapGroup("/accounts/{id:guid}").ProducesProblem(StatusCodes.Status404NotFound);

        account.MapGet("/instances", InstancesAsync)
            .WithSummary("The account's instances with their costs: filtered, sorted and paged like the instances grid")
            .WithQuery(
                ("state", $"Only instances in this state: {InstanceStates}."),
                ("region", "Only this region, e.g. us-east-1."),
                ("type", "An instance type (m5.large) or a whole family (m5)."),
                ("text", "Part of the instance id, name or a tag value."),
                ("gone", "true: include instances no longer found in AWS."),
                ("sort", $"Sort by {InstanceSorts} (default Name)."),
                ("desc", "true: descending."));

        account.MapGet("/volumes", VolumesAsync)
            .WithSummary("The account's EBS volumes with their monthly cost: idle (unattached) first, then the most expensive")
            .WithQuery(("region", "Only this region."), ("text", "Part of the volume id or name."), ("idle", "true: only unattached volumes."));

        account.MapGet("/addresses", AddressesAsync)
            .WithSummary("The account's Elastic IP addresses with their monthly cost: idle (unassociated) first")
            .WithQuery(("region", "Only this region."), ("text", "Part of the allocation id, address or name."), ("idle", "true: only idle addresses."));

        account.MapGet("/recommendations", RecommendationsAsync)
            .WithSummary("The account's recommendations, largest saving first unless sorted otherwise; unknown savings are null and sort last")
            .WithQuery(
                ("kind", $"Only this kind: {Kinds}."),
                ("risk", $"Only this risk: {Risks}."),
                ("sort", $"Sort by {RecommendationSorts} (default Saving)."),
                ("desc", "false: ascending (default true)."));
        return client;
    }

    private static async Task<Results<Ok<ApiPage<InstanceItem>>, ValidationProblem, ProblemHttpResult>> InstancesAsync(Guid id, int? skip, int? take,
        HttpRequest request, InventoryQueryService inventory, CancellationToken ct)
    {
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        if (ExportEndpoints.ParseInstanceQuery(request.Query) is not { } query)
        {
            return ApiQuery.Refused(request.Query, ExportEndpoints.ParseInstanceQuery,
                ("state", $"Unknown state. Use one of: {InstanceStates}."),
                ("sort", $"Unknown sort. Use one of: {InstanceSorts}."));
        }
        var page = await inventory.QueryInstancesAsync(ApiEndpoints.CallerOf(request.HttpContext), id, query with { Skip = paging.Skip, Take = paging.Take }, ct);
        return page.Succeeded
            ? TypedResults.Ok(new ApiPage<InstanceItem>([.. page.Value.Rows.Select(InstanceItem.From)], page.Value.Total, paging.Skip, paging.Take))
            : ApiProblems.From(page.Error);
    }

    private static async Task<Results<Ok<ApiPage<VolumeRow>>, ValidationProblem, ProblemHttpResult>> VolumesAsync(Guid id, int? skip, int? take,
        HttpRequest request, InventoryQueryService inventory, CancellationToken ct)
    {
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        var query = ExportEndpoints.ParseResourceQuery(request.Query) with { Skip = paging.Skip, Take = paging.Take };
        var page = await inventory.QueryVolumesAsync(ApiEndpoints.CallerOf(request.HttpContext), id, query, ct);
        return page.Succeeded ? TypedResults.Ok(new ApiPage<VolumeRow>(page.Value.Rows, page.Value.Total, paging.Skip, paging.Take)) : ApiProblems.From(page.Error);
    }

    private static async Task<Results<Ok<ApiPage<AddressRow>>, ValidationProblem, ProblemHttpResult>> AddressesAsync(Guid id, int? skip, int? take,
        HttpRequest request, InventoryQueryService inventory, CancellationToken ct)
    {
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        var query = ExportEndpoints.ParseResourceQuery(request.Query) with { Skip = paging.Skip, Take = paging.Take };
        var page = await inventory.QueryAddressesAsync(ApiEndpoints.CallerOf(request.HttpContext), id, query, ct);
        return page.Succeeded ? TypedResults.Ok(new ApiPage<AddressRow>(page.Value.Rows, page.Value.Total, paging.Skip, paging.Take)) : ApiProblems.From(page.Error);
    }

    private static async Task<Results<Ok<ApiPage<RecommendationRow>>, ValidationProblem, ProblemHttpResult>> RecommendationsAsync(Guid id, int? skip,
        int? take, HttpRequest request, RecommendationService recommendations, CancellationToken ct)
    {
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        if (ExportEndpoints.ParseRecommendationQuery(request.Query) is not { } query)
        {
            return ApiQuery.Refused(request.Query, ExportEndpoints.ParseRecommendationQuery,
                ("kind", $"Unknown kind. Use one of: {Kinds}."),
                ("risk", $"Unknown risk. Use one of: {Risks}."),
                ("sort", $"Unknown sort. Use one of: {RecommendationSorts}."));
        }
        var page = await recommendations.QueryAsync(ApiEndpoints.CallerOf(request.HttpContext), id, query with { Skip = paging.Skip, Take = paging.Take }, ct);
        return page.Succeeded
            ? TypedResults.Ok(new ApiPage<RecommendationRow>(page.Value.Rows, page.Value.Total, paging.Skip, paging.Take))
            : ApiProblems.From(page.Error);
    }
}
