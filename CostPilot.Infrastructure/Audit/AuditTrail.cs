using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Audit;

/// <summary>What the audit search page asks: words in the actor, target or detail; one action; a time window; a page.</summary>
public sealed record AuditQuery(string? Text = null, string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    int Skip = 0, int Take = 50);

public sealed record AuditPage(IReadOnlyList<AuditEvent> Rows, int Total);

/// <summary>
/// The audit trail: every admin action and every client connect, remove, rescan and apply. Services add the entry to the same
/// unit of work as the change it records (<see cref="Entry"/>), so a change is never saved without its entry or the other way
/// round; <see cref="RecordAsync"/> is for changes made outside CostPilot's own database (a Hangfire job retried).
/// </summary>
public sealed class AuditTrail(IDbContextFactory<CostPilotDbContext> dbFactory, TimeProvider clock)
{
    public const int MaxTake = 500;

    /// <summary>An entry to add to the context that saves the change it records.</summary>
    public AuditEvent Entry(Caller actor, string action, string targetKind, string targetId, string? targetLabel = null, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return new AuditEvent
        {
            At = clock.GetUtcNow(),
            ActorId = actor.UserId,
            ActorEmail = Clip(actor.Email ?? actor.UserId, AuditEvent.ActorEmailLength),
            Action = action,
            TargetKind = targetKind,
            TargetId = Clip(targetId, AuditEvent.TargetIdLength),
            TargetLabel = targetLabel is null ? null : Clip(targetLabel, AuditEvent.TargetLabelLength),
            Detail = detail is null ? null : Clip(detail, AuditEvent.DetailLength),
            Address = actor.Address is null ? null : Clip(actor.Address, AuditEvent.AddressLength),
        };
    }

    /// <summary>Records an entry on its own (the change it records was saved elsewhere).</summary>
    public async Task RecordAsync(Caller actor, string action, string targetKind, string targetId, string? targetLabel = null, string? detail = null,
        CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditEvents.Add(Entry(actor, action, targetKind, targetId, targetLabel, detail));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Newest first. Administrators only.</summary>
    public async Task<Result<AuditPage>> QueryAsync(Caller caller, AuditQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        if (caller.AdminError() is { } forbidden)
        {
            return forbidden;
        }
        if (query.Action is { Length: > 0 } action && !AuditActions.All.Contains(action, StringComparer.Ordinal))
        {
            return ServiceError.Invalid($"Unknown action '{action}'.");
        }
        if (query.From is { } from && query.To is { } to && from > to)
        {
            return ServiceError.Invalid("The start of the window is after its end.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.AuditEvents.AsNoTracking();
        if (query.Action is { Length: > 0 })
        {
            rows = rows.Where(e => e.Action == query.Action);
        }
        if (query.From is { } start)
        {
            rows = rows.Where(e => e.At >= start);
        }
        if (query.To is { } end)
        {
            rows = rows.Where(e => e.At < end);
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var pattern = Like.Contains(query.Text);
            rows = rows.Where(e => EF.Functions.ILike(e.ActorEmail, pattern, Like.Escape)
                || EF.Functions.ILike(e.TargetId, pattern, Like.Escape)
                || (e.TargetLabel != null && EF.Functions.ILike(e.TargetLabel, pattern, Like.Escape))
                || (e.Detail != null && EF.Functions.ILike(e.Detail, pattern, Like.Escape))
                || (e.Address != null && EF.Functions.ILike(e.Address, pattern, Like.Escape)));
        }
        var total = await rows.CountAsync(ct);
        var page = await rows.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, MaxTake)).ToListAsync(ct);
        return new AuditPage(page, total);
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..length];
}
