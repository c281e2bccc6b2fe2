using System.Globalization;
using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Utilization;

namespace CostPilot.Infrastructure.Aws.CloudWatch;

/// <summary>
/// Hourly EC2 utilization of one account from CloudWatch: per instance four GetMetricData queries in AWS/EC2 with the
/// InstanceId dimension and a period of one hour (CPUUtilization Average and Maximum, NetworkIn Sum, NetworkOut Sum), 125
/// instances (500 queries) a call, <paramref name="maxConcurrentCalls"/> calls at a time (0: <see cref="CloudWatchOptions.MaxConcurrentCalls"/>).
/// </summary>
/// <remarks>
/// A query CloudWatch answers with StatusCode InternalError is asked once more (in a call of its own); still failing, the read
/// fails as <see cref="InventoryFailure.Unavailable"/>. A query answered Forbidden fails the read as
/// <see cref="InventoryFailure.AccessDenied"/>. PartialData left after the last page, and status codes this code does not know,
/// keep the datapoints received. CloudWatch's messages (such as a time range limit) are not reported.
/// </remarks>
public sealed class CloudWatchUtilizationSource(CloudWatchClient client, AWSCredentials credentials, int maxConcurrentCalls = 0) : IUtilizationSource
{
    public const string Namespace = "AWS/EC2";
    public const string Dimension = "InstanceId";
    public const int PeriodSeconds = 3600;
    public const int MetricsPerInstance = 4;
    public const int InstancesPerCall = CloudWatchClient.MaxQueriesPerCall / MetricsPerInstance;

    /// <summary>The four queries of an instance, in this order; the id prefix names the metric in the query id (e.g. "cpuavg_17").</summary>
    private static readonly (string IdPrefix, string Metric, string Stat)[] Metrics =
    [
        ("cpuavg", "CPUUtilization", "Average"),
        ("cpumax", "CPUUtilization", "Maximum"),
        ("netin", "NetworkIn", "Sum"),
        ("netout", "NetworkOut", "Sum"),
    ];

    public async Task<IReadOnlyList<UtilizationSeries>> GetHourlyAsync(string region, IReadOnlyList<string> instanceIds, DateTimeOffset start,
        int hours, IProgress<int>? progress, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentNullException.ThrowIfNull(instanceIds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hours);
        if (start.Offset != TimeSpan.Zero || start.Ticks % TimeSpan.TicksPerHour != 0)
        {
            throw new ArgumentException($"The window must start on a whole UTC hour, not {start:O}.", nameof(start));
        }

        // An instance asked for twice is read once; both places get the same series.
        var byId = new Dictionary<string, UtilizationSeries>(StringComparer.Ordinal);
        var series = new List<UtilizationSeries>(instanceIds.Count);
        foreach (var id in instanceIds)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(id, nameof(instanceIds));
            if (!byId.ContainsKey(id))
            {
                var one = new UtilizationSeries(id, start, hours);
                byId.Add(id, one);
                series.Add(one);
            }
        }

        var end = start.AddHours(hours);
        var ids = series.ConvertAll(s => s.InstanceId);
        var done = 0;
        var calls = (series.Count + InstancesPerCall - 1) / InstancesPerCall;
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, maxConcurrentCalls > 0 ? maxConcurrentCalls : client.Options.MaxConcurrentCalls),
            CancellationToken = ct,
        };
        await Parallel.ForEachAsync(Enumerable.Range(0, calls), parallel, async (call, token) =>
        {
            var first = call * InstancesPerCall;
            var count = Math.Min(InstancesPerCall, series.Count - first);
            var queries = Queries(ids, first, count);
            var summary = await client.GetMetricDataAsync(credentials, region, queries, start, end, Receiver(series, first, q => q), token);
            await CheckAsync(region, series, first, queries, summary, start, end, token);
            var total = Interlocked.Add(ref done, count);
            progress?.Report(total);
        });
        return [.. instanceIds.Select(id => byId[id])];
    }

    /// <summary>Asks InternalError queries once more, then fails on any query still InternalError or Forbidden.</summary>
    private async Task CheckAsync(string region, List<UtilizationSeries> series, int first, List<MetricQuery> queries, MetricDataSummary summary,
        DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        Forbidden(region, series, first, queries, summary.Statuses, q => q);
        var failed = Enumerable.Range(0, queries.Count).Where(q => summary.Statuses[q] == MetricDataStatus.InternalError).ToList();
        if (failed.Count == 0)
        {
            return;
        }
        var again = failed.Select(q => queries[q]).ToList();
        var retry = await client.GetMetricDataAsync(credentials, region, again, start, end, Receiver(series, first, q => failed[q]), ct);
        Forbidden(region, series, first, again, retry.Statuses, q => failed[q]);
        var still = Enumerable.Range(0, again.Count).Where(q => retry.Statuses[q] == MetricDataStatus.InternalError).ToList();
        if (still.Count > 0)
        {
            var instances = still.Select(q => series[first + failed[q] / MetricsPerInstance].InstanceId).Distinct().ToList();
            throw new InventoryException(InventoryFailure.Unavailable,
                $"CloudWatch had an internal error reading the metrics of {Describe(instances)} in {region} (twice).");
        }
    }

    private static void Forbidden(string region, List<UtilizationSeries> series, int first, List<MetricQuery> queries,
        IReadOnlyList<MetricDataStatus> statuses, Func<int, int> queryInCall)
    {
        var forbidden = Enumerable.Range(0, queries.Count).Where(q => statuses[q] == MetricDataStatus.Forbidden)
            .Select(q => series[first + queryInCall(q) / MetricsPerInstance].InstanceId).Distinct().ToList();
        if (forbidden.Count > 0)
        {
            throw CloudWatchErrors.AccessDenied(region, $"CloudWatch answered Forbidden for the metrics of {Describe(forbidden)}");
        }
    }

    /// <summary>The queries of <paramref name="count"/> instances from position <paramref name="first"/>: ids "cpuavg_17", "cpumax_17", "netin_17", "netout_17".</summary>
    internal static List<MetricQuery> Queries(IReadOnlyList<string> instanceIds, int first, int count)
    {
        var queries = new List<MetricQuery>(count * MetricsPerInstance);
        for (var i = first; i < first + count; i++)
        {
            MetricDimension[] dimensions = [new(Dimension, instanceIds[i])];
            foreach (var (prefix, metric, stat) in Metrics)
            {
                queries.Add(new MetricQuery(string.Create(CultureInfo.InvariantCulture, $"{prefix}_{i}"), Namespace, metric, dimensions, PeriodSeconds, stat));
            }
        }
        return queries;
    }

    /// <summary>Writes datapoints of query number q of a call (its query <paramref name="queryInCall"/>(q) of the instances from <paramref name="first"/>) into the series.</summary>
    private static MetricDataReceiver Receiver(List<UtilizationSeries> series, int first, Func<int, int> queryInCall) => (query, timestamps, values) =>
    {
        var q = queryInCall(query);
        var target = series[first + q / MetricsPerInstance];
        var hourly = (q % MetricsPerInstance) switch
        {
            0 => target.CpuAverage,
            1 => target.CpuMaximum,
            2 => target.NetworkIn,
            _ => target.NetworkOut,
        };
        for (var i = 0; i < timestamps.Length; i++)
        {
            var hour = target.IndexOf(timestamps[i]);
            if (hour >= 0)
            {
                hourly[hour] = (float)values[i];
            }
        }
    };

    private static string Describe(List<string> instances) => instances.Count switch
    {
        1 => instances[0],
        <= 3 => string.Join(", ", instances),
        _ => $"{instances.Count} instances ({string.Join(", ", instances.Take(3))}, …)",
    };
}
