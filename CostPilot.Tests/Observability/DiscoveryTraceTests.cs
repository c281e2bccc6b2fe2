using System.Diagnostics;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Observability;
using CostPilot.Tests.Infrastructure.Discovery;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace CostPilot.Tests.Observability;

/// <summary>The app against the fake AWS, its finished spans kept in memory (OpenTelemetry's in-memory exporter).</summary>
public class TracedFakeAwsApp : FakeAwsAppFactory
{
    public ExportedActivityCollection Exported { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Exported)));
    }
}

/// <summary>A thread-safe list for the exporter: spans end on many threads at once (regions are scanned in parallel).</summary>
public sealed class ExportedActivityCollection : ICollection<Activity>
{
    private readonly List<Activity> _items = [];

    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public List<Activity> Snapshot()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }

    public void Add(Activity item)
    {
        lock (_items)
        {
            _items.Add(item);
        }
    }

    public void Clear()
    {
        lock (_items)
        {
            _items.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (_items)
        {
            return _items.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_items)
        {
            _items.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (_items)
        {
            return _items.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

public sealed class DiscoveryTraceTests(TracedFakeAwsApp app) : IClassFixture<TracedFakeAwsApp>
{
    [Fact]
    public async Task RunDiscovery_FakeFleet_OneTraceWithTheAwsCallsAndDatabaseCommandsUnderIt()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(AwsDiscoveryTests.Instances("tr", 35));
        var (_, accountId) = await app.ConnectNewUserAsync(customer);

        await app.RunDiscoveryAsync(accountId);

        var spans = app.Exported.Snapshot();
        var discovery = Assert.Single(spans, s => s.Source.Name == CostPilotTelemetry.Name && s.OperationName == "costpilot.discovery"
            && Equals(s.GetTagItem(CostPilotTelemetry.AccountIdTag), accountId));
        Assert.Equal(default, discovery.ParentSpanId);
        Assert.Equal(35, discovery.GetTagItem("costpilot.discovery.instances"));
        var trace = spans.Where(s => s.TraceId == discovery.TraceId).ToList();
        var byId = trace.ToDictionary(s => s.SpanId);
        // Every span of the trace descends from the discovery: one trace, nothing detached.
        Assert.All(trace, s => Assert.True(DescendsFrom(s, discovery, byId), $"{s.Source.Name} {s.DisplayName} is not under the discovery"));
        var aws = trace.Where(s => s.Source.Name == "System.Net.Http" && s.Kind == ActivityKind.Client).ToList();
        var fakeHost = new Uri(app.Fake.Url).Authority;
        Assert.Contains(aws, s => (s.GetTagItem("url.full") as string)?.Contains(fakeHost, StringComparison.Ordinal) == true);
        // DescribeRegions, then DescribeInstances per region (the SDK's calls, through IHttpClientFactory).
        Assert.True(aws.Count >= 3, $"{aws.Count} AWS calls traced");
        var database = trace.Where(s => s.Source.Name == "Npgsql").ToList();
        Assert.NotEmpty(database);
        Assert.Contains(database, s => (s.GetTagItem("db.query.text") ?? s.GetTagItem("db.statement")) is string sql
            && sql.Contains("instances", StringComparison.OrdinalIgnoreCase));
    }

    private static bool DescendsFrom(Activity span, Activity root, Dictionary<ActivitySpanId, Activity> byId)
    {
        for (var current = span; ; current = byId[current.ParentSpanId])
        {
            if (current.SpanId == root.SpanId)
            {
                return true;
            }
            if (!byId.ContainsKey(current.ParentSpanId))
            {
                return false;
            }
        }
    }
}

/// <summary>The traced app with a job server of its own: jobs run as Hangfire runs them, through this app's job filters.</summary>
public sealed class TracedJobServerApp : TracedFakeAwsApp
{
    public TracedJobServerApp() => Settings["CostPilot:Jobs:Server"] = "true";
}

public sealed class JobTraceTests(TracedJobServerApp app) : IClassFixture<TracedJobServerApp>
{
    [Fact]
    public async Task EnqueuedDiscovery_RunByTheJobServer_ASpanPerRunWithTheAccountIdAndTheDiscoveryUnderIt()
    {
        var customer = app.AddCustomer();
        customer.Account.Region("us-east-1").AddInstances(AwsDiscoveryTests.Instances("jb", 3));
        var (_, accountId) = await app.ConnectNewUserAsync(customer);

        app.Services.GetRequiredService<DiscoveryScheduler>().Enqueue(accountId, "traced");
        // The job's span ends (and is exported) once the job's method returned, after the discovery's.
        var (discovery, job) = await Eventually.WaitForAsync(
            () => Task.FromResult(Find(app.Exported.Snapshot(), accountId)),
            found => found.Job is not null, TimeSpan.FromSeconds(60), "the discovery's span and its job's");

        Assert.NotNull(job);
        Assert.Equal(CostPilotTelemetry.Name, job.Source.Name);
        Assert.Equal("job DiscoveryJob", job.DisplayName);
        Assert.Equal(accountId, job.GetTagItem(CostPilotTelemetry.AccountIdTag));
        Assert.Equal("DiscoveryJob", job.GetTagItem(CostPilotTelemetry.JobTypeTag));
        Assert.Equal(default, job.ParentSpanId);
        Assert.Equal(job.TraceId, discovery!.TraceId);
    }

    private static (Activity? Discovery, Activity? Job) Find(List<Activity> spans, Guid accountId)
    {
        var discovery = spans.FirstOrDefault(s => s.OperationName == "costpilot.discovery" && Equals(s.GetTagItem(CostPilotTelemetry.AccountIdTag), accountId));
        return (discovery, discovery is null ? null : spans.FirstOrDefault(s => s.SpanId == discovery.ParentSpanId));
    }
}
