using System.IO.Hashing;
using System.Text;
using CostPilot.Domain.Utilization;

namespace CostPilot.Infrastructure.Sandbox;

/// <summary>
/// The sample account's CloudWatch: plausible hourly utilization for every instance, the same for the same instance and hour
/// every time (a hash of both, no state). Each instance follows one <see cref="Profile"/>, chosen by a hash of its id, so every
/// kind of advice appears in the sample fleet: idle, over-provisioned, normal, hot, brand new (too few points) and no data.
/// </summary>
public sealed class SandboxUtilizationSource(TimeSpan callDelay) : IUtilizationSource
{
    public enum Profile
    {
        /// <summary>CPU never above 3 %, a few kB of network a day.</summary>
        Idle,

        /// <summary>p95 CPU between 8 and 25 %: a smaller size would do.</summary>
        OverProvisioned,

        /// <summary>p95 CPU between 45 and 70 %.</summary>
        Normal,

        /// <summary>p95 CPU above 85 %.</summary>
        Hot,

        /// <summary>Launched two days ago: 48 hourly points.</summary>
        New,

        /// <summary>No data at all (monitoring off, or an agent-less image reporting nothing).</summary>
        NoData,
    }

    private const int NewInstanceHours = 48;

    /// <summary>Which profile an instance follows: 12 % idle, 30 % over-provisioned, 34 % normal, 10 % hot, 7 % new, 7 % no data.</summary>
    public static Profile ProfileOf(string instanceId) => (Hash(instanceId, 0) % 100) switch
    {
        < 12 => Profile.Idle,
        < 42 => Profile.OverProvisioned,
        < 76 => Profile.Normal,
        < 86 => Profile.Hot,
        < 93 => Profile.New,
        _ => Profile.NoData,
    };

    public async Task<IReadOnlyList<UtilizationSeries>> GetHourlyAsync(string region, IReadOnlyList<string> instanceIds, DateTimeOffset start,
        int hours, IProgress<int>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        var result = new List<UtilizationSeries>(instanceIds.Count);
        // Like CloudWatch: 125 instances (500 queries) per call.
        foreach (var chunk in instanceIds.Chunk(125))
        {
            await Task.Delay(callDelay, ct);
            result.AddRange(chunk.Select(id => Simulate(id, start, hours)));
            progress?.Report(result.Count);
        }
        return result;
    }

    /// <summary>One instance's series for the window; hours are simulated from their absolute time, so windows overlap consistently.</summary>
    public static UtilizationSeries Simulate(string instanceId, DateTimeOffset start, int hours)
    {
        var series = new UtilizationSeries(instanceId, start, hours);
        var profile = ProfileOf(instanceId);
        if (profile == Profile.NoData)
        {
            return series;
        }
        var first = profile == Profile.New ? Math.Max(0, hours - NewInstanceHours) : 0;
        // The instance's own level within its profile's band, and its network volume.
        var level = Hash(instanceId, 1) % 1000 / 1000.0;
        var (low, high) = profile switch
        {
            Profile.Idle => (0.3, 1.2),
            Profile.OverProvisioned => (4.0 + 8 * level, 9.0 + 13 * level),
            Profile.Normal => (22.0 + 15 * level, 45.0 + 22 * level),
            Profile.Hot => (70.0 + 8 * level, 86.0 + 9 * level),
            _ => (20.0, 45.0),
        };
        var networkPerHour = profile == Profile.Idle ? 2_000 + 20_000 * level : 5_000_000 + 400_000_000 * level;
        for (var i = first; i < hours; i++)
        {
            var hour = start.AddHours(i);
            var absolute = hour.ToUnixTimeSeconds() / 3600;
            var noise = Hash(instanceId, absolute) % 10_000 / 10_000.0;
            // Busier in the (UTC) working day than at night.
            var daily = 0.5 + 0.5 * Math.Sin((hour.Hour - 8) / 24.0 * 2 * Math.PI);
            var average = low + (high - low) * (0.7 * daily + 0.3 * noise);
            var maximum = Math.Min(100, average * (1.2 + 0.8 * noise) + (profile == Profile.Idle ? 0.5 : 3));
            series.CpuAverage[i] = (float)Math.Round(average, 3);
            series.CpuMaximum[i] = (float)Math.Round(Math.Max(average, maximum), 3);
            series.NetworkIn[i] = (float)Math.Round(networkPerHour * (0.4 + 0.6 * daily) * (0.8 + 0.4 * noise));
            series.NetworkOut[i] = (float)Math.Round(networkPerHour * 0.6 * (0.4 + 0.6 * daily) * (0.8 + 0.4 * noise));
        }
        return series;
    }

    private static ulong Hash(string instanceId, long salt) =>
        XxHash64.HashToUInt64(Encoding.UTF8.GetBytes($"{instanceId}|{salt}"), SandboxFleet.Seed);
}
