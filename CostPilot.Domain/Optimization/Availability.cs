namespace CostPilot.Domain.Optimization;

/// <summary>One instance's time not running because CostPilot acted on it; an interval still open ends "now".</summary>
public readonly record struct DowntimeInterval(string InstanceId, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);

/// <summary>One instance's downtime in the period and its availability over the part of the period that has passed.</summary>
public sealed record InstanceAvailability(string InstanceId, TimeSpan Downtime, double Percent);

/// <summary>
/// Availability against a monthly target (an SLA such as 99.9 %): each instance may be down (1 − target) × the month's length —
/// 43 min 12 s in a 30-day month at 99.9 % — and the account's remaining budget is what its most affected instance has left.
/// Measured over the month so far: availability = 1 − downtime ÷ elapsed time, per instance; for the account, over all its
/// running instance-time (instances × elapsed), so one instance down for an hour weighs as much as it should among many.
/// </summary>
public sealed record AvailabilityReport(
    decimal TargetPercent,
    DateTimeOffset MonthStart,
    DateTimeOffset MonthEnd,
    TimeSpan Budget,
    TimeSpan Remaining,
    double AccountPercent,
    IReadOnlyList<InstanceAvailability> Instances)
{
    public const decimal DefaultTargetPercent = 99.9m;
    public const decimal MinTargetPercent = 90m;
    public const decimal MaxTargetPercent = 99.999m;

    /// <summary>Whether <paramref name="expected"/> more downtime of <paramref name="instanceId"/> would go over the month's budget.</summary>
    public bool WouldExceed(string instanceId, TimeSpan expected) => DowntimeOf(instanceId) + expected > Budget;

    /// <summary>What is left of <paramref name="instanceId"/>'s own budget this month (<see cref="Remaining"/> is the most affected instance's).</summary>
    public TimeSpan RemainingFor(string instanceId) => Budget > DowntimeOf(instanceId) ? Budget - DowntimeOf(instanceId) : TimeSpan.Zero;

    private TimeSpan DowntimeOf(string instanceId) => Instances.FirstOrDefault(i => i.InstanceId == instanceId)?.Downtime ?? TimeSpan.Zero;

    /// <param name="instanceCount">Instances the account runs (the account's figure weighs its downtime over all of them); at least the
    /// instances with downtime.</param>
    public static AvailabilityReport Measure(decimal targetPercent, IEnumerable<DowntimeInterval> downtime, int instanceCount, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(downtime);
        var utcNow = now.ToUniversalTime();
        var start = new DateTimeOffset(utcNow.Year, utcNow.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var end = start.AddMonths(1);
        var elapsed = utcNow - start;
        var budget = TimeSpan.FromTicks((long)((end - start).Ticks * (double)((100m - targetPercent) / 100m)));
        var perInstance = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var d in downtime)
        {
            // Only the part inside this month and not after now counts; an open interval runs until now.
            var from = d.StartedAt < start ? start : d.StartedAt;
            var to = d.EndedAt is { } ended && ended < utcNow ? ended : utcNow;
            if (to <= from)
            {
                continue;
            }
            perInstance[d.InstanceId] = perInstance.GetValueOrDefault(d.InstanceId) + (to - from);
        }
        var instances = perInstance.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new InstanceAvailability(p.Key, p.Value, Percent(p.Value, elapsed)))
            .ToList();
        var worst = instances.Count > 0 ? instances[0].Downtime : TimeSpan.Zero;
        var count = Math.Max(instanceCount, instances.Count);
        var account = count == 0 ? 100.0 : Percent(TimeSpan.FromTicks(instances.Sum(i => i.Downtime.Ticks)), elapsed * count);
        return new AvailabilityReport(targetPercent, start, end, budget, budget > worst ? budget - worst : TimeSpan.Zero, account, instances);
    }

    private static double Percent(TimeSpan down, TimeSpan total) =>
        total <= TimeSpan.Zero ? 100.0 : Math.Max(0, 100.0 * (1 - down.TotalSeconds / total.TotalSeconds));
}
