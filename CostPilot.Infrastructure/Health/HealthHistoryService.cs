using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Health;

/// <summary>How far back the System page looks, and how coarsely.</summary>
public enum HealthRange
{
    /// <summary>The last 24 hours, in 15-minute buckets.</summary>
    Day,

    /// <summary>The last 7 days, in hourly buckets.</summary>
    Week,
}

/// <summary>One component over one bucket: the worst status recorded and the checks' latency. All null when nothing was recorded.</summary>
public sealed record HealthBucket(DateTimeOffset Start, HealthStatus? Worst, double? AverageMs, double? MaxMs, int Checks);

/// <summary>One component's buckets, one per <see cref="HealthHistory.BucketStarts"/> entry, in the same order.</summary>
public sealed record HealthSeries(string Component, IReadOnlyList<HealthBucket> Buckets);

/// <summary>A record whose status differed from the component's previous one (<see cref="From"/> null: none before it).</summary>
public sealed record HealthTransition(DateTimeOffset At, string Component, HealthStatus? From, HealthStatus To, string Detail);

public sealed record HealthHistory(
    HealthRange Range,
    DateTimeOffset From,
    DateTimeOffset To,
    TimeSpan BucketSize,
    IReadOnlyList<DateTimeOffset> BucketStarts,
    IReadOnlyList<HealthSeries> Components,
    IReadOnlyList<HealthTransition> Transitions);

/// <summary>
/// The recorded health checks over a range for the System page, aggregated in the database: a page never loads the raw rows
/// (a week is about 40,000), only a bucket per component per 15 minutes or hour, and the most recent status changes.
/// </summary>
public sealed class HealthHistoryService(IDbContextFactory<CostPilotDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>The most status changes one answer lists (the newest).</summary>
    public const int MaxTransitions = 50;

    // How far before the range the previous record of a component is looked for: the monitor records every minute, so an
    // hour finds it unless the monitor itself was down that long (then the first record after the gap counts as new).
    private static readonly TimeSpan PreviousLookback = TimeSpan.FromHours(1);

    public static TimeSpan Length(HealthRange range) => range == HealthRange.Week ? TimeSpan.FromDays(7) : TimeSpan.FromDays(1);

    public static TimeSpan BucketSize(HealthRange range) => range == HealthRange.Week ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(15);

    public async Task<Result<HealthHistory>> GetAsync(Caller caller, HealthRange range, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        var to = clock.GetUtcNow();
        var size = BucketSize(range);
        // Buckets start at whole multiples of their size since the Unix epoch: the same instants whatever the time of asking.
        var from = Floor(to - Length(range), size);
        var seconds = size.TotalSeconds;
        var (healthy, degraded, unhealthy) = (nameof(HealthStatus.Healthy), nameof(HealthStatus.Degraded), nameof(HealthStatus.Unhealthy));

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var buckets = await db.Database.SqlQuery<BucketRow>($"""
            SELECT component,
                   to_timestamp(floor(extract(epoch FROM checked_at) / {seconds}) * {seconds}) AS start,
                   MAX(CASE status WHEN {unhealthy} THEN 2 WHEN {degraded} THEN 1 ELSE 0 END) AS worst,
                   AVG(duration_ms) AS average_ms,
                   MAX(duration_ms) AS max_ms,
                   COUNT(*)::int AS checks
            FROM health_checks
            WHERE checked_at >= {from} AND checked_at <= {to}
            GROUP BY 1, 2
            """).ToListAsync(ct);
        var transitions = await db.Database.SqlQuery<TransitionRow>($"""
            SELECT checked_at AS at, component, previous, status, detail FROM (
                SELECT checked_at, component, status, detail,
                       LAG(status) OVER (PARTITION BY component ORDER BY checked_at, id) AS previous
                FROM health_checks
                WHERE checked_at >= {from - PreviousLookback} AND checked_at <= {to}) AS h
            WHERE checked_at >= {from}
              AND (previous <> status OR (previous IS NULL AND status <> {healthy}))
            ORDER BY checked_at DESC, component
            LIMIT {MaxTransitions}
            """).ToListAsync(ct);

        var starts = new List<DateTimeOffset>();
        for (var start = from; start <= to; start += size)
        {
            starts.Add(start);
        }
        var index = starts.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        var series = buckets
            .GroupBy(b => b.Component, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var row = starts.Select(s => new HealthBucket(s, null, null, null, 0)).ToArray();
                foreach (var b in g)
                {
                    if (index.TryGetValue(b.Start.ToUniversalTime(), out var i))
                    {
                        row[i] = new HealthBucket(row[i].Start, (HealthStatus)b.Worst, b.AverageMs, b.MaxMs, b.Checks);
                    }
                }
                return new HealthSeries(g.Key, row);
            })
            .ToList();
        return new HealthHistory(
            range, from, to, size, starts, series,
            [.. transitions.Select(t => new HealthTransition(
                t.At, t.Component, t.Previous is null ? null : Enum.Parse<HealthStatus>(t.Previous), Enum.Parse<HealthStatus>(t.Status), t.Detail))]);
    }

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan size) =>
        new(at.UtcTicks - (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % size.Ticks, TimeSpan.Zero);

    private sealed record BucketRow(string Component, DateTimeOffset Start, int Worst, double AverageMs, double MaxMs, int Checks);

    private sealed record TransitionRow(DateTimeOffset At, string Component, string? Previous, string Status, string Detail);
}
