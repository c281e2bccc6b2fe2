using System.ComponentModel.DataAnnotations;
using CostPilot.Domain.Optimization;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Web.Components.Shared;
using CostPilot.Web.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>/api/client/experiments</c>: applying a recommendation and following it. Applying goes through the confirmation's checks
/// (<see cref="OptimizationService.PreviewAsync"/>): what blocks the dialog's Apply is a 409 here, and a change that would take
/// the instance over its downtime budget, for which the dialog asks "Apply anyway", needs <c>acceptBudgetOverrun</c>.
/// </summary>
public static class ClientExperimentsApi
{
    private static readonly string States = string.Join(", ", ExperimentStates.All.Select(s => s.Slug()));

    public static RouteGroupBuilder MapClientExperimentsApi(this RouteGroupBuilder client)
    {
        client.MapPost("/experiments", ApplyAsync)
            .WithSummary("Apply a recommendation: 202 with the experiment, which runs in the background; poll GET /api/client/experiments/{id}")
            .WithDescription("Only instance recommendations (idle, rightsize, graviton, modernize) are applied. 409 when the instance is busy, " +
                "or when the change would exceed this month's downtime budget and acceptBudgetOverrun is not true.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        client.MapGet("/experiments/{id:guid}", async Task<Results<Ok<ExperimentItem>, ProblemHttpResult>> (Guid id, HttpContext http,
                OptimizationService optimization, CancellationToken ct) =>
        {
            var found = await optimization.GetAsync(ApiEndpoints.CallerOf(http), id, ct);
            return found.Succeeded ? TypedResults.Ok(ExperimentItem.From(found.Value)) : ApiProblems.From(found.Error);
        })
            .WithSummary("One experiment: its state (finished is true once it is final), downtime and steps")
            .ProducesProblem(StatusCodes.Status404NotFound);

        client.MapGet("/experiments", HistoryAsync)
            .WithSummary("Your optimization history, newest first")
            .WithQuery(("account", "Only this account's experiments (its id)."), ("state", $"Only this state: {States}."))
            .ProducesProblem(StatusCodes.Status404NotFound);
        return client;
    }

    private static async Task<Results<Accepted<ExperimentItem>, ValidationProblem, ProblemHttpResult>> ApplyAsync(ApplyRequest request,
        HttpContext http, RecommendationService recommendations, OptimizationService optimization, CancellationToken ct)
    {
        var caller = ApiEndpoints.CallerOf(http);
        var found = await recommendations.GetAsync(caller, request.RecommendationId!.Value, ct);
        if (!found.Succeeded)
        {
            return ApiProblems.From(found.Error);
        }
        var recommendation = found.Value;
        if (ExperimentStates.ActionFor(recommendation.Kind) is null)
        {
            return ApiProblems.Invalid("recommendationId",
                "CostPilot applies only instance recommendations (idle, rightsize, graviton, modernize). For this one, do what it says in AWS.");
        }
        var preview = await optimization.PreviewAsync(caller, recommendation.AccountId, recommendation.ResourceId, recommendation.Kind, ct);
        if (!preview.Succeeded)
        {
            return ApiProblems.From(preview.Error);
        }
        var p = preview.Value;
        if (p.Blocked is not null)
        {
            return Conflict(p.Blocked);
        }
        if (p.ExceedsBudget && request.AcceptBudgetOverrun != true)
        {
            return Conflict($"This would take {p.InstanceId} over this month's downtime budget ({Durations.Text(p.BudgetRemaining)} left, about " +
                $"{Durations.Text(p.ExpectedDowntime)} expected). To apply it anyway, send \"acceptBudgetOverrun\": true.");
        }
        var applied = await optimization.ApplyAsync(caller, recommendation.AccountId, recommendation.ResourceId, recommendation.Kind, ct);
        if (!applied.Succeeded)
        {
            return ApiProblems.From(applied.Error);
        }
        var experiment = await optimization.GetAsync(caller, applied.Value, ct);
        return experiment.Succeeded
            ? TypedResults.Accepted($"/api/client/experiments/{applied.Value}", ExperimentItem.From(experiment.Value))
            : ApiProblems.From(experiment.Error);
    }

    private static async Task<Results<Ok<ApiPage<ExperimentItem>>, ValidationProblem, ProblemHttpResult>> HistoryAsync(int? skip, int? take,
        HttpRequest request, OptimizationService optimization, CancellationToken ct)
    {
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        if (ExportEndpoints.ParseExperimentQuery(request.Query) is not { } query)
        {
            return ApiQuery.Refused(request.Query, ExportEndpoints.ParseExperimentQuery,
                ("account", "account must be an account id (a GUID)."),
                ("state", $"Unknown state. Use one of: {States}."));
        }
        var page = await optimization.QueryAsync(ApiEndpoints.CallerOf(request.HttpContext), query with { Skip = paging.Skip, Take = paging.Take }, ct);
        return page.Succeeded
            ? TypedResults.Ok(new ApiPage<ExperimentItem>([.. page.Value.Rows.Select(ExperimentItem.From)], page.Value.Total, paging.Skip, paging.Take))
            : ApiProblems.From(page.Error);
    }

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: ApiProblems.Title(409));
}

/// <summary>What <c>POST /api/client/experiments</c> reads.</summary>
/// <param name="RecommendationId">The <c>id</c> of a recommendation from <c>GET /api/client/accounts/{id}/recommendations</c>.</param>
/// <param name="AcceptBudgetOverrun">True to apply even when the expected downtime exceeds what is left of this month's downtime budget
/// (the page's "Apply anyway"). Without it such a request is refused with 409.</param>
public sealed record ApplyRequest(
    [property: Required(ErrorMessage = "Give the id of the recommendation to apply.")]
    long? RecommendationId,
    bool? AcceptBudgetOverrun = null);
