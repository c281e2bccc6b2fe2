using System.Diagnostics;
using System.Diagnostics.Metrics;
using CostPilot.Infrastructure.Pricing;

namespace CostPilot.Infrastructure.Observability;

/// <summary>
/// CostPilot's own traces and metrics. Names follow OpenTelemetry's conventions, prefixed <c>costpilot.</c>. Account ids
/// go on spans only: a metric label per account would grow without bound, so metrics are aggregated over accounts.
/// </summary>
public static class CostPilotTelemetry
{
    /// <summary>The name of both the activity source and the meter (what an exporter subscribes to).</summary>
    public const string Name = "CostPilot";

    /// <summary>The span tag that carries the account a span works on.</summary>
    public const string AccountIdTag = "costpilot.account.id";

    /// <summary>The span and metric tag that names a job's type (its class).</summary>
    public const string JobTypeTag = "costpilot.job.type";

    public static readonly ActivitySource ActivitySource = new(Name);
}

/// <summary>The instruments of the <see cref="CostPilotTelemetry.Name"/> meter, one set per app (from its <see cref="IMeterFactory"/>).</summary>
public sealed class CostPilotMetrics
{
    public const string DiscoveryDuration = "costpilot.discovery.duration";
    public const string DiscoveryInstances = "costpilot.discovery.instances";
    public const string JobsFailed = "costpilot.jobs.failed";
    public const string CatalogAge = "costpilot.prices.catalog_age";
    public const string CircuitsOpen = "costpilot.circuits.open";
    public const string PushLatency = "costpilot.push.latency";

    private readonly Histogram<double> _discoveryDuration;
    private readonly Histogram<int> _discoveryInstances;
    private readonly Counter<long> _jobsFailed;
    private readonly UpDownCounter<int> _circuitsOpen;
    private readonly Histogram<double> _pushLatency;

    public CostPilotMetrics(IMeterFactory meters, PriceCatalogProvider catalog, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(CostPilotTelemetry.Name);
        _discoveryDuration = meter.CreateHistogram<double>(DiscoveryDuration, "s", "How long one discovery of an account took (every region).");
        _discoveryInstances = meter.CreateHistogram<int>(DiscoveryInstances, "{instance}", "Instances one discovery of an account found.");
        _jobsFailed = meter.CreateCounter<long>(JobsFailed, "{run}", "Background job runs that ended with an error, by job type.");
        _circuitsOpen = meter.CreateUpDownCounter<int>(CircuitsOpen, "{circuit}", "Interactive (Blazor Server) circuits open on this node.");
        _pushLatency = meter.CreateHistogram<double>(PushLatency, "s", "From an account event's publication to its delivery to this node's open circuits.");
        meter.CreateObservableGauge(CatalogAge, () => Math.Max(0, (clock.GetUtcNow() - catalog.Info.PublishedAt).TotalSeconds), "s",
            "Age of the price catalog in use (since AWS published it).");
    }

    /// <summary>A discovery that ran to its end (whatever the account's outcome).</summary>
    public void DiscoveryCompleted(TimeSpan duration, int instances, string outcome)
    {
        var tag = new KeyValuePair<string, object?>("costpilot.discovery.outcome", outcome);
        _discoveryDuration.Record(duration.TotalSeconds, tag);
        _discoveryInstances.Record(instances, tag);
    }

    public void JobFailed(string jobType) => _jobsFailed.Add(1, new KeyValuePair<string, object?>(CostPilotTelemetry.JobTypeTag, jobType));

    public void CircuitOpened() => _circuitsOpen.Add(1);

    public void CircuitClosed() => _circuitsOpen.Add(-1);

    public void PushDelivered(TimeSpan latency) => _pushLatency.Record(Math.Max(0, latency.TotalSeconds));
}
