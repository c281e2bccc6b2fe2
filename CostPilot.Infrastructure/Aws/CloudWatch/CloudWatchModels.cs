namespace CostPilot.Infrastructure.Aws.CloudWatch;

/// <summary>One dimension of a metric, e.g. <c>InstanceId = i-0123456789abcdef0</c>.</summary>
public readonly record struct MetricDimension(string Name, string Value);

/// <summary>
/// One GetMetricData query (a <c>MetricStat</c>): a statistic of a metric over periods of <paramref name="PeriodSeconds"/>.
/// <paramref name="Id"/> must start with a lowercase letter and hold only letters, digits and underscores (CloudWatch's rule),
/// and be unique among the queries of one request.
/// </summary>
public sealed record MetricQuery(
    string Id,
    string Namespace,
    string MetricName,
    IReadOnlyList<MetricDimension> Dimensions,
    int PeriodSeconds,
    string Stat);

/// <summary>A query's <c>StatusCode</c>, merged over the pages of its answer.</summary>
public enum MetricDataStatus
{
    /// <summary>Every datapoint was returned.</summary>
    Complete,

    /// <summary>CloudWatch stopped early; a further page (NextToken) normally follows, and the client follows it.</summary>
    PartialData,

    /// <summary>CloudWatch failed to read this query's data (the datapoints returned, if any, are incomplete).</summary>
    InternalError,

    /// <summary>The caller may not read this metric (for example a cross-account query without a sharing link).</summary>
    Forbidden,

    /// <summary>A status code this client does not know.</summary>
    Other,
}

/// <summary>A message CloudWatch attached to the answer (<paramref name="QueryId"/> null) or to one query.</summary>
public sealed record MetricDataMessage(string? QueryId, string? Code, string? Value);

/// <summary>
/// Receives the datapoints of query number <paramref name="query"/> (its position in the list asked for) as they arrive, one
/// page at a time: a query split over pages is delivered in several parts. The spans are only valid during the call.
/// </summary>
public delegate void MetricDataReceiver(int query, ReadOnlySpan<DateTimeOffset> timestamps, ReadOnlySpan<double> values);

/// <summary>What a GetMetricData read came to, besides the datapoints handed to the receiver.</summary>
/// <param name="Statuses">Per query, in the order asked: the worst status seen over its pages, else the last one.</param>
/// <param name="Messages">The messages of the answer and of its queries.</param>
/// <param name="Calls">HTTP requests answered successfully (one per page; retried attempts not counted).</param>
/// <param name="Datapoints">Datapoints received.</param>
public sealed record MetricDataSummary(
    IReadOnlyList<MetricDataStatus> Statuses,
    IReadOnlyList<MetricDataMessage> Messages,
    int Calls,
    long Datapoints);

/// <summary>One query's datapoints, merged over pages, in the order CloudWatch sent them.</summary>
public sealed record MetricDataResult(
    string Id,
    MetricDataStatus Status,
    IReadOnlyList<DateTimeOffset> Timestamps,
    IReadOnlyList<double> Values,
    IReadOnlyList<MetricDataMessage> Messages);
