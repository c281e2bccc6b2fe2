using System.Globalization;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Logging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>/api/admin/logs</c> and <c>/api/admin/audit</c>: what CostPilot logged (<see cref="SystemLogService"/>, secrets already
/// masked when written) and what people did (<see cref="AuditTrail"/>), newest first, filtered and paged as the Logs and Audit
/// trail pages do.
/// </summary>
public static class AdminRecordsApi
{
    public static RouteGroupBuilder MapAdminRecordsApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/logs", LogsAsync)
            .WithSummary("Log entries, newest first: at least one level, words in the message, one request's correlation id")
            .ProducesValidationProblem();

        admin.MapGet("/audit", AuditAsync)
            .WithSummary("The audit trail, newest first: who did what to which user, account or job, when and from where")
            .ProducesValidationProblem();
        return admin;
    }

    /// <param name="level">Verbose, Debug, Information, Warning, Error or Fatal: that level and every worse one.</param>
    /// <param name="text">Words in the message.</param>
    /// <param name="correlationId">Only the entries of this request (the id an error page or response shows).</param>
    /// <param name="skip">Entries to skip (0 or more).</param>
    /// <param name="take">Entries to return: 1 to 500, 50 by default; a page holds at most 200.</param>
    private static async Task<Results<Ok<ApiPage<SystemLogRow>>, ValidationProblem, ProblemHttpResult>> LogsAsync(HttpContext http,
        SystemLogService logs, CancellationToken ct, string? level = null, string? text = null, string? correlationId = null, int? skip = null,
        int? take = null)
    {
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        // "warning" reads as "Warning"; a level that is none of them reaches the service, which names it.
        level = SystemLogService.Levels.FirstOrDefault(l => string.Equals(l, level, StringComparison.OrdinalIgnoreCase)) ?? level;
        var page = await logs.QueryAsync(ApiEndpoints.CallerOf(http), new SystemLogQuery(level, text, correlationId, paging.Skip, paging.Take), ct);
        if (!page.Succeeded)
        {
            // The level is the only input the service refuses.
            return page.Error.Kind == ErrorKind.Invalid ? ApiProblems.Invalid("level", page.Error.Message) : ApiProblems.From(page.Error);
        }
        return TypedResults.Ok(new ApiPage<SystemLogRow>(page.Value.Rows, page.Value.Total, paging.Skip, Math.Min(paging.Take, SystemLogService.MaxTake)));
    }

    /// <param name="text">Words in the actor's e-mail, the target, the detail or the address.</param>
    /// <param name="action">One action, e.g. <c>admin.user.roles-changed</c>.</param>
    /// <param name="from">Entries at or after this instant (ISO 8601; without an offset, UTC).</param>
    /// <param name="to">Entries before this instant (ISO 8601; without an offset, UTC).</param>
    /// <param name="skip">Entries to skip (0 or more).</param>
    /// <param name="take">Entries to return: 1 to 500, 50 by default; a page holds at most 200.</param>
    private static async Task<Results<Ok<ApiPage<AuditEvent>>, ValidationProblem, ProblemHttpResult>> AuditAsync(HttpContext http,
        AuditTrail audit, CancellationToken ct, string? text = null, string? action = null, string? from = null, string? to = null,
        int? skip = null, int? take = null)
    {
        if (!TryReadInstant(from, out var start))
        {
            return ApiProblems.Invalid("from", "from is not a date and time (ISO 8601, e.g. 2026-11-30T14:02:00Z).");
        }
        if (!TryReadInstant(to, out var end))
        {
            return ApiProblems.Invalid("to", "to is not a date and time (ISO 8601, e.g. 2026-11-30T14:02:00Z).");
        }
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        action = string.IsNullOrEmpty(action) ? null : action;
        var page = await audit.QueryAsync(ApiEndpoints.CallerOf(http), new AuditQuery(text, action, start, end, paging.Skip, paging.Take), ct);
        if (!page.Succeeded)
        {
            // The service refuses an unknown action, then a window that ends before it starts.
            return page.Error.Kind == ErrorKind.Invalid
                ? ApiProblems.Invalid(action is null || AuditActions.All.Contains(action, StringComparer.Ordinal) ? "from" : "action", page.Error.Message)
                : ApiProblems.From(page.Error);
        }
        return TypedResults.Ok(new ApiPage<AuditEvent>(page.Value.Rows, page.Value.Total, paging.Skip, Math.Min(paging.Take, AuditTrail.MaxTake)));
    }

    private static bool TryReadInstant(string? text, out DateTimeOffset? instant)
    {
        instant = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }
        instant = parsed;
        return true;
    }
}
