using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Logging;

public sealed record SystemLogRow(
    long Id, DateTimeOffset Timestamp, string Level, string Message, string? Exception,
    string? SourceContext, string? UserId, string? CorrelationId);

public sealed record SystemLogQuery(string? Level = null, string? Text = null, string? CorrelationId = null, int Skip = 0, int Take = 50);

public sealed record SystemLogPage(IReadOnlyList<SystemLogRow> Rows, int Total);

/// <summary>The admin log viewer's queries over <c>system_logs</c>, newest first.</summary>
public sealed class SystemLogService(IDbContextFactory<CostPilotDbContext> dbFactory)
{
    /// <summary>The most log lines one page lists.</summary>
    public const int MaxTake = 500;

    public static IReadOnlyList<string> Levels { get; } = ["Verbose", "Debug", "Information", "Warning", "Error", "Fatal"];

    public async Task<Result<SystemLogPage>> QueryAsync(Caller caller, SystemLogQuery query, CancellationToken ct = default)
    {
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var logs = db.SystemLogs.AsNoTracking();
        if (!string.IsNullOrEmpty(query.Level))
        {
            // "Warning" shows warnings and everything worse.
            var index = Levels.ToList().IndexOf(query.Level);
            if (index < 0)
            {
                return ServiceError.Invalid($"Unknown log level '{query.Level}'.");
            }
            var levels = Levels.Skip(index).ToList();
            logs = logs.Where(l => levels.Contains(l.Level));
        }
        if (!string.IsNullOrWhiteSpace(query.CorrelationId))
        {
            logs = logs.Where(l => l.CorrelationId == query.CorrelationId.Trim());
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var pattern = Like.Contains(query.Text);
            logs = logs.Where(l => EF.Functions.ILike(l.Message, pattern, Like.Escape));
        }
        var total = await logs.CountAsync(ct);
        var rows = await logs.OrderByDescending(l => l.Timestamp).ThenByDescending(l => l.Id)
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, MaxTake))
            .Select(l => new SystemLogRow(l.Id, l.Timestamp, l.Level, l.Message, l.Exception, l.SourceContext, l.UserId, l.CorrelationId))
            .ToListAsync(ct);
        return new SystemLogPage(rows, total);
    }
}
