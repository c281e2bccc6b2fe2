using System.Globalization;
using System.Security.Claims;
using System.Text;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Recommendations;
using Microsoft.AspNetCore.WebUtilities;

namespace CostPilot.Web.Endpoints;

/// <summary>
/// CSV downloads of an account's instances (with the grid's filters and sort), volumes and addresses. Rows stream from the database
/// to the response as they are read. Another user's account, or one that does not exist, is 404.
/// </summary>
public static class ExportEndpoints
{
    /// <summary>The pages' downloads under <c>/client</c>, for a client signed in with the cookie.</summary>
    public static void MapExportEndpoints(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGroup("/client").RequireAuthorization(policy => policy.RequireRole(Roles.Client))
            .MapExports(experimentsPath: "/optimizations/export.csv");

    /// <summary>
    /// Maps the CSV downloads into <paramref name="group"/>: <c>/accounts/{id}/export/{instances,volumes,addresses,recommendations}.csv</c>
    /// and the experiment history at <paramref name="experimentsPath"/>. The pages map them under <c>/client</c>, the API under
    /// <c>/api/client</c>: one set of handlers, so a download is the same file either way. The group decides who may call.
    /// </summary>
    public static RouteGroupBuilder MapExports(this RouteGroupBuilder group, string experimentsPath)
    {
        ArgumentNullException.ThrowIfNull(group);
        // The optimization history of all the caller's accounts (or one: ?account=), optionally one state (?state=rolled-back).
        group.MapGet(experimentsPath, (HttpRequest request, ClaimsPrincipal user, OptimizationService optimization,
            TimeProvider clock, CancellationToken ct) =>
        {
            if (ParseExperimentQuery(request.Query) is not { } query)
            {
                return Results.Problem("Unknown account or state.", statusCode: StatusCodes.Status400BadRequest);
            }
            var caller = Caller.FromPrincipal(user);
            var name = $"costpilot-optimizations-{clock.GetUtcNow().UtcDateTime:yyyy-MM-dd}.csv";
            return Results.Stream(stream => InventoryCsv.WriteExperimentsAsync(stream, optimization.StreamAsync(caller, query, ct), ct),
                InventoryCsv.ContentType, name);
        }).Csv("Your optimization history as CSV (?account=, ?state= as the list)");

        var exports = group.MapGroup("/accounts/{id:guid}/export");
        exports.MapGet("/instances.csv", (Guid id, HttpRequest request, ClaimsPrincipal user, InventoryQueryService inventory, TimeProvider clock,
            CancellationToken ct) =>
        {
            if (ParseInstanceQuery(request.Query) is not { } query)
            {
                return Task.FromResult(Results.Problem("Unknown state or sort.", statusCode: StatusCodes.Status400BadRequest));
            }
            var caller = Caller.FromPrincipal(user);
            return CsvAsync(id, "instances", caller, inventory, clock,
                (stream, token) => InventoryCsv.WriteInstancesAsync(stream, inventory.StreamInstancesAsync(caller, id, query, token), token), ct);
        }).Csv("The account's instances as CSV, filtered and sorted as the instances list");

        exports.MapGet("/recommendations.csv", (Guid id, HttpRequest request, ClaimsPrincipal user, InventoryQueryService inventory,
            RecommendationService recommendations, TimeProvider clock, CancellationToken ct) =>
        {
            if (ParseRecommendationQuery(request.Query) is not { } query)
            {
                return Task.FromResult(Results.Problem("Unknown kind, risk or sort.", statusCode: StatusCodes.Status400BadRequest));
            }
            var caller = Caller.FromPrincipal(user);
            return CsvAsync(id, "recommendations", caller, inventory, clock,
                (stream, token) => InventoryCsv.WriteRecommendationsAsync(stream, recommendations.StreamAsync(caller, id, query, token), token), ct);
        }).Csv("The account's recommendations as CSV, filtered and sorted as the recommendations list");

        exports.MapGet("/volumes.csv", (Guid id, HttpRequest request, ClaimsPrincipal user, InventoryQueryService inventory, TimeProvider clock,
            CancellationToken ct) =>
        {
            var caller = Caller.FromPrincipal(user);
            var query = ParseResourceQuery(request.Query);
            return CsvAsync(id, "volumes", caller, inventory, clock,
                (stream, token) => InventoryCsv.WriteVolumesAsync(stream, inventory.StreamVolumesAsync(caller, id, query, token), token), ct);
        }).Csv("The account's EBS volumes as CSV (?region=, ?text=, ?idle=true)");

        exports.MapGet("/addresses.csv", (Guid id, HttpRequest request, ClaimsPrincipal user, InventoryQueryService inventory, TimeProvider clock,
            CancellationToken ct) =>
        {
            var caller = Caller.FromPrincipal(user);
            var query = ParseResourceQuery(request.Query);
            return CsvAsync(id, "addresses", caller, inventory, clock,
                (stream, token) => InventoryCsv.WriteAddressesAsync(stream, inventory.StreamAddressesAsync(caller, id, query, token), token), ct);
        }).Csv("The account's Elastic IP addresses as CSV (?region=, ?text=, ?idle=true)");
        return group;
    }

    private static RouteHandlerBuilder Csv(this RouteHandlerBuilder endpoint, string summary) =>
        endpoint.WithSummary(summary)
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>The download link of the recommendations list as it is filtered and sorted now.</summary>
    public static string RecommendationsUrl(Guid accountId, RecommendationQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new Dictionary<string, string?>();
        Add(parameters, "kind", query.Kind?.Slug());
        Add(parameters, "risk", query.Risk?.ToString().ToLowerInvariant());
        if (query.SortBy != RecommendationSort.Saving || !query.Descending)
        {
            parameters["sort"] = query.SortBy.ToString();
            parameters["desc"] = query.Descending ? "true" : "false";
        }
        return QueryHelpers.AddQueryString($"/client/accounts/{accountId}/export/recommendations.csv", parameters);
    }

    /// <summary>The history download link for the page's filters.</summary>
    public static string ExperimentsLink(Guid? accountId, ExperimentState? state)
    {
        var parameters = new Dictionary<string, string?>();
        Add(parameters, "account", accountId?.ToString());
        Add(parameters, "state", state?.Slug());
        return QueryHelpers.AddQueryString("/client/optimizations/export.csv", parameters);
    }

    /// <summary>The history's filters from a download link; null when the account is not a GUID or the state not one we know.</summary>
    public static ExperimentQuery? ParseExperimentQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        Guid? account = null;
        if (Text(query, "account") is { } accountText)
        {
            if (!Guid.TryParse(accountText, out var parsed))
            {
                return null;
            }
            account = parsed;
        }
        ExperimentState? state = null;
        if (Text(query, "state") is { } stateText && (state = ExperimentStates.FromSlug(stateText.Replace('_', '-'))) is null)
        {
            return null;
        }
        return new ExperimentQuery(account, state);
    }

    /// <summary>The list's filters and sort from a download link; null when a kind, risk or sort is not one we know.</summary>
    public static RecommendationQuery? ParseRecommendationQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        RecommendationKind? kind = null;
        if (Text(query, "kind") is { } kindName && (kind = RecommendationKinds.FromSlug(kindName.Replace('_', '-'))) is null)
        {
            return null;
        }
        RecommendationRisk? risk = null;
        if (Text(query, "risk") is { } riskName)
        {
            if (!Enum.TryParse<RecommendationRisk>(riskName, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(riskName, out _))
            {
                return null;
            }
            risk = parsed;
        }
        var sort = RecommendationSort.Saving;
        if (Text(query, "sort") is { } sortName
            && (!Enum.TryParse(sortName, ignoreCase: true, out sort) || !Enum.IsDefined(sort) || int.TryParse(sortName, out _)))
        {
            return null;
        }
        return new RecommendationQuery(kind, risk, sort, !query.TryGetValue("desc", out var desc) || desc.ToString() is "true" or "1" or "True");
    }

    /// <summary>The download link of the instances grid as it is filtered and sorted now.</summary>
    public static string InstancesUrl(Guid accountId, InstanceQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new Dictionary<string, string?>();
        Add(parameters, "region", query.Region);
        Add(parameters, "state", query.State?.Value);
        Add(parameters, "type", query.InstanceType);
        Add(parameters, "text", query.Text);
        if (query.IncludeGone)
        {
            parameters["gone"] = "true";
        }
        if (query.SortBy != InstanceSort.Name || query.Descending)
        {
            parameters["sort"] = query.SortBy.ToString();
        }
        if (query.Descending)
        {
            parameters["desc"] = "true";
        }
        return QueryHelpers.AddQueryString($"/client/accounts/{accountId}/export/instances.csv", parameters);
    }

    /// <summary>The download link of the volumes ("volumes") or addresses ("addresses") list as it is filtered now.</summary>
    public static string ResourcesUrl(Guid accountId, string what, ResourceQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new Dictionary<string, string?>();
        Add(parameters, "region", query.Region);
        Add(parameters, "text", query.Text);
        if (query.IdleOnly)
        {
            parameters["idle"] = "true";
        }
        return QueryHelpers.AddQueryString($"/client/accounts/{accountId}/export/{what}.csv", parameters);
    }

    /// <summary>The grid's filters and sort from a download link; null when the state or the sort is not one we know.</summary>
    public static InstanceQuery? ParseInstanceQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sort = InstanceSort.Name;
        if (Text(query, "sort") is { } sortName
            && (!Enum.TryParse(sortName, ignoreCase: true, out sort) || !Enum.IsDefined(sort) || int.TryParse(sortName, out _)))
        {
            return null;
        }
        InstanceState? state = null;
        if (Text(query, "state") is { } stateName)
        {
            if (!InstanceState.All.Any(s => s.Value == stateName))
            {
                return null;
            }
            state = new InstanceState(stateName);
        }
        return new InstanceQuery(Text(query, "region"), state, Text(query, "type"), Text(query, "text"), Flag(query, "gone"), sort,
            Flag(query, "desc"));
    }

    public static ResourceQuery ParseResourceQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new ResourceQuery(Text(query, "region"), Text(query, "text"), Flag(query, "idle"));
    }

    /// <summary>"sample-account-instances-2026-11-30.csv": the account's name in safe characters (its AWS id when none are left).</summary>
    public static string FileName(AccountRow account, string what, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(account);
        var slug = new StringBuilder();
        foreach (var c in account.Name.Trim().ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }
        var name = slug.ToString().Trim('-');
        if (name.Length > 60)
        {
            name = name[..60].TrimEnd('-');
        }
        if (name.Length == 0)
        {
            name = account.AwsAccountId;
        }
        return $"{name}-{what}-{now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.csv";
    }

    private static async Task<IResult> CsvAsync(Guid id, string what, Caller caller, InventoryQueryService inventory, TimeProvider clock,
        Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        var account = await inventory.GetAccountAsync(caller, id, ct);
        if (!account.Succeeded)
        {
            return Results.NotFound();
        }
        // Results.Stream writes Content-Disposition: attachment with the file name (and its UTF-8 form) and never buffers.
        return Results.Stream(stream => write(stream, ct), InventoryCsv.ContentType, FileName(account.Value.Account, what, clock.GetUtcNow()));
    }

    private static void Add(Dictionary<string, string?> parameters, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            parameters[name] = value;
        }
    }

    private static string? Text(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.ToString().Trim() is { Length: > 0 } value ? value : null;

    private static bool Flag(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && (values.ToString() is "true" or "1" or "True");
}
