using System.Collections.Concurrent;

namespace CostPilot.Tests.Fakes;

/// <summary>The metric names and statistics of the EC2 metrics the fake CloudWatch is used with.</summary>
public static class FakeMetricNames
{
    public const string Ec2Namespace = "AWS/EC2";
    public const string InstanceIdDimension = "InstanceId";

    public const string CpuUtilization = "CPUUtilization";
    public const string NetworkIn = "NetworkIn";
    public const string NetworkOut = "NetworkOut";

    public const string Average = "Average";
    public const string Maximum = "Maximum";
    public const string Sum = "Sum";
}

/// <summary>CloudWatch's side of an account: a metric store per region, and whether its policy allows CloudWatch at all.</summary>
public sealed partial class FakeAwsAccount
{
    private readonly ConcurrentDictionary<string, FakeMetricRegion> _metrics = new(StringComparer.Ordinal);
    private volatile bool _cloudWatchDenied;

    /// <summary>
    /// When true, every CloudWatch call signed by this account's identities answers 403 AccessDenied, like an IAM policy without
    /// cloudwatch:GetMetricData. (One-off denials: <see cref="FakeAwsServer.FailNext"/> with <see cref="FakeFault.Unauthorized"/>.)
    /// </summary>
    public bool CloudWatchDenied
    {
        get => _cloudWatchDenied;
        set => _cloudWatchDenied = value;
    }

    /// <summary>The CloudWatch metrics of <paramref name="region"/> (created empty on first use).</summary>
    public FakeMetricRegion Metrics(string region) => _metrics.GetOrAdd(region, name => new FakeMetricRegion(name));

    internal FakeMetricRegion? FindMetrics(string region) => _metrics.GetValueOrDefault(region);
}

/// <summary>
/// The hourly datapoints of one account's region, per (instance id, metric name, statistic) of namespace AWS/EC2 with the
/// InstanceId dimension: put one by one by tests, or generated for whole fleets (<see cref="AddGenerated"/>). Thread-safe.
/// </summary>
public sealed class FakeMetricRegion
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string InstanceId, string Metric, string Stat), SortedDictionary<long, double>> _points = [];
    private readonly Dictionary<string, FakeMetricProfile> _generated = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<string>> _queryFaults = new(StringComparer.Ordinal);

    internal FakeMetricRegion(string name) => Name = name;

    public string Name { get; }

    /// <summary>Puts one datapoint at <paramref name="hour"/> (a whole UTC hour), replacing one already there.</summary>
    public FakeMetricRegion Put(string instanceId, string metricName, string stat, DateTimeOffset hour, double value) =>
        Put(instanceId, metricName, stat, [(hour, value)]);

    /// <summary>Puts datapoints (whole UTC hours), replacing any already at the same hours. Points put win over generated ones.</summary>
    public FakeMetricRegion Put(string instanceId, string metricName, string stat, IEnumerable<(DateTimeOffset Hour, double Value)> points)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(metricName);
        ArgumentException.ThrowIfNullOrEmpty(stat);
        lock (_gate)
        {
            var key = (instanceId, metricName, stat);
            if (!_points.TryGetValue(key, out var series))
            {
                _points[key] = series = [];
            }
            foreach (var (hour, value) in points)
            {
                if (hour.UtcTicks % TimeSpan.TicksPerHour != 0)
                {
                    throw new ArgumentException($"The fake stores hourly datapoints: {hour:O} is not a whole hour.", nameof(points));
                }
                series[hour.UtcTicks] = value;
            }
        }
        return this;
    }

    /// <summary>
    /// Gives each of <paramref name="instanceIds"/> plausible hourly CPUUtilization (Average, Maximum), NetworkIn and NetworkOut
    /// (Sum) at every hour, computed when asked (nothing is stored per hour), with about 2% of hours missing. The values are
    /// <see cref="FakeMetricProfile.Value"/> of <see cref="FakeMetricProfile.For"/>(id, <paramref name="seed"/>).
    /// </summary>
    public FakeMetricRegion AddGenerated(IEnumerable<string> instanceIds, int seed = 0)
    {
        lock (_gate)
        {
            foreach (var id in instanceIds)
            {
                _generated[id] = FakeMetricProfile.For(id, seed);
            }
        }
        return this;
    }

    /// <summary>
    /// The next <paramref name="times"/> GetMetricData requests that ask for a metric of <paramref name="instanceId"/> answer
    /// each such query with StatusCode <paramref name="statusCode"/> ("InternalError", "Forbidden") and no datapoints.
    /// </summary>
    public void FailQueries(string instanceId, string statusCode, int times = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_gate)
        {
            if (!_queryFaults.TryGetValue(instanceId, out var queue))
            {
                _queryFaults[instanceId] = queue = new Queue<string>();
            }
            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(statusCode);
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="buckets"/> (NaN where there is no datapoint) with the series of an instance's metric, bucket i
    /// covering [start + i h, start + (i + 1) h).
    /// </summary>
    internal void Fill(string instanceId, string metricName, string stat, DateTimeOffset start, Span<double> buckets)
    {
        FakeMetricProfile? profile;
        KeyValuePair<long, double>[]? points = null;
        lock (_gate)
        {
            profile = _generated.GetValueOrDefault(instanceId);
            if (_points.TryGetValue((instanceId, metricName, stat), out var series))
            {
                points = [.. series];
            }
        }

        buckets.Fill(double.NaN);
        if (profile is not null)
        {
            for (var i = 0; i < buckets.Length; i++)
            {
                buckets[i] = profile.Value(metricName, stat, start.AddHours(i));
            }
        }
        var from = start.UtcTicks;
        var to = from + buckets.Length * TimeSpan.TicksPerHour;
        foreach (var (ticks, value) in points ?? [])
        {
            if (ticks >= from && ticks < to)
            {
                buckets[(int)((ticks - from) / TimeSpan.TicksPerHour)] = value;
            }
        }
    }

    /// <summary>The status code a fault queued with <see cref="FailQueries"/> gives this instance's queries, if any (consumed).</summary>
    internal string? TakeQueryFault(string instanceId)
    {
        lock (_gate)
        {
            return _queryFaults.TryGetValue(instanceId, out var queue) && queue.TryDequeue(out var status) ? status : null;
        }
    }
}

/// <summary>
/// A generated instance's metrics: CPU around a base load with a daily swing and noise, network traffic scaled alike, about 2%
/// of hours missing (all four metrics at once, as for a stopped instance). Deterministic in (instance id, seed, hour).
/// </summary>
public sealed class FakeMetricProfile
{
    private readonly ulong _seed;
    private readonly double _cpuBase;
    private readonly double _cpuSwing;
    private readonly double _phase;
    private readonly double _networkBase;

    private FakeMetricProfile(string instanceId, ulong seed)
    {
        InstanceId = instanceId;
        _seed = seed;
        // Mostly idle or lightly used fleets, a few busy instances: base CPU 1..60 %, skewed low.
        var u = Unit(Mix(seed, 1));
        _cpuBase = 1 + 59 * u * u;
        _cpuSwing = _cpuBase * 0.5 * Unit(Mix(seed, 2));
        _phase = 24 * Unit(Mix(seed, 3));
        _networkBase = 1e5 * Math.Pow(10, 4 * Unit(Mix(seed, 4)));
    }

    public string InstanceId { get; }

    public static FakeMetricProfile For(string instanceId, int seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        // FNV-1a of the id: stable across processes (string.GetHashCode is not).
        var hash = 14695981039346656037UL ^ (ulong)(uint)seed;
        foreach (var c in instanceId)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return new FakeMetricProfile(instanceId, hash);
    }

    /// <summary>The datapoint of the hour starting at <paramref name="hour"/>; NaN for a gap or a metric/statistic not generated.</summary>
    public double Value(string metricName, string stat, DateTimeOffset hour)
    {
        var index = (ulong)(hour.UtcTicks / TimeSpan.TicksPerHour);
        if (Mix(_seed, index * 8 + 7) % 50 == 0)
        {
            return double.NaN;
        }
        var daily = Math.Sin(2 * Math.PI * ((index % 24) + _phase) / 24);
        var cpu = Math.Clamp(_cpuBase + _cpuSwing * daily + 4 * (Unit(Mix(_seed, index * 8)) - 0.5), 0.05, 99.5);
        return (metricName, stat) switch
        {
            (FakeMetricNames.CpuUtilization, FakeMetricNames.Average) => cpu,
            (FakeMetricNames.CpuUtilization, FakeMetricNames.Maximum) => Math.Min(100, cpu + 30 * Unit(Mix(_seed, index * 8 + 1))),
            (FakeMetricNames.NetworkIn, FakeMetricNames.Sum) => Math.Round(_networkBase * (1.2 + daily) * (0.5 + Unit(Mix(_seed, index * 8 + 2)))),
            (FakeMetricNames.NetworkOut, FakeMetricNames.Sum) => Math.Round(_networkBase * 0.4 * (1.2 + daily) * (0.5 + Unit(Mix(_seed, index * 8 + 3)))),
            _ => double.NaN,
        };
    }

    // SplitMix64 of (seed, n): fast, well mixed.
    private static ulong Mix(ulong seed, ulong n)
    {
        var z = seed + (n + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static double Unit(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));
}
