using CostPilot.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// Errors of the API as RFC 9457 problem details: a service's <see cref="ServiceError"/> keeps its message (the one the form
/// shows) as <c>detail</c> and gets one status per kind. Another tenant's id is 404, exactly like an id that does not exist.
/// </summary>
public static class ApiProblems
{
    public static ProblemHttpResult From(ServiceError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var status = Status(error.Kind);
        return TypedResults.Problem(detail: error.Message, statusCode: status, title: Title(status));
    }

    /// <summary>The value as JSON (200), or the error as problem details.</summary>
    public static Results<Ok<T>, ProblemHttpResult> Ok<T>(Result<T> result) =>
        result.Succeeded ? TypedResults.Ok(result.Value) : From(result.Error);

    /// <summary>204, or the error as problem details.</summary>
    public static Results<NoContent, ProblemHttpResult> NoContent(Result result) =>
        result.Succeeded ? TypedResults.NoContent() : From(result.Error);

    /// <summary>A 400 naming the field that is wrong, as the form would show it beside the field.</summary>
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: Title(400));

    public static int Status(ErrorKind kind) => kind switch
    {
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.Invalid => StatusCodes.Status400BadRequest,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Writes problem details for <paramref name="status"/> to a response nothing was written to yet.</summary>
    public static Task Write(HttpContext http, int status, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Response.HasStarted)
        {
            return Task.CompletedTask;
        }
        detail ??= status == StatusCodes.Status403Forbidden ? "Your role does not allow this." : null;
        return TypedResults.Problem(detail: detail, statusCode: status, title: Title(status)).ExecuteAsync(http);
    }

    /// <summary>
    /// Under <c>/api</c>, an error status without a body (no route, wrong method, a refused token) becomes problem details
    /// instead of the people's not-found page.
    /// </summary>
    public static IApplicationBuilder UseApiStatusProblems(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (!http.Request.Path.StartsWithSegments("/api"))
        {
            await next(http);
            return;
        }
        if (http.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }
        await next(http);
        var response = http.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
        {
            await Write(http, response.StatusCode);
        }
    });

    public static string Title(int status) => status switch
    {
        400 => "The request is not valid",
        401 => "Sign-in required",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        413 => "Request too large",
        415 => "Unsupported media type",
        429 => "Too many requests",
        _ => "Error",
    };
}
