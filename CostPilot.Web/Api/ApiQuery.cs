using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Primitives;
using Microsoft.OpenApi;

namespace CostPilot.Web.Api;

/// <summary>
/// Query parameters read by the CSV links' parsers (<see cref="Endpoints.ExportEndpoints"/>), so a list and its download take the
/// same filters: which parameter a parser refused, as a 400 naming it, and the parameters listed in the OpenAPI document.
/// </summary>
public static class ApiQuery
{
    /// <summary>The first of <paramref name="fields"/> whose value alone <paramref name="parse"/> refuses (null), as a 400 naming it.</summary>
    public static ValidationProblem Refused(IQueryCollection query, Func<IQueryCollection, object?> parse, params (string Field, string Message)[] fields)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var (field, message) in fields)
        {
            if (query.TryGetValue(field, out var value) && parse(new QueryCollection(new Dictionary<string, StringValues> { [field] = value })) is null)
            {
                return ApiProblems.Invalid(field, message);
            }
        }
        return ApiProblems.Invalid(fields[0].Field, fields[0].Message);
    }

    /// <summary>Lists query parameters the handler reads from the query string itself (optional strings) in the OpenAPI document.</summary>
    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder endpoint, params (string Name, string Description)[] parameters) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            foreach (var (name, description) in parameters)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = name,
                    In = ParameterLocation.Query,
                    Description = description,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
            return Task.CompletedTask;
        });
}
