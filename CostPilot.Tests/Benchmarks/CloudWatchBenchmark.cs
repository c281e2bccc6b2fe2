using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Aws.CloudWatch;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Xunit.Abstractions;
using static CostPilot.Tests.Fakes.FakeMetricNames;

namespace CostPilot.Tests.Benchmarks;

/// <summary>
/// 14 days of hourly utilization (336 hours) of 10,000 instances (4 regions x 2,500) read from the fake AWS's CloudWatch through
/// <see cref="CloudWatchUtilizationSource"/>, against the floor of a bare loop that sends the same GetMetricData calls (same
/// bodies, same signing, same paging, same HttpClient) and only reads the answers' bytes. Not part of the normal run; run it with
/// <c>./costpilot.sh benchmark CloudWatch</c>. Prints numbers; asserts only that every datapoint arrived.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class CloudWatchBenchmark(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Customer = "111122223333";
    private const string KeyId = "AKIAFAKEBENCHMARK001";
    private const string Secret = "benchmark/secret/000000000000000000000000";
    private const int PerRegion = 2_500;
    private const int Hours = UtilizationSeries.WindowHours;
    private const int Repetitions = 7;
    private const int SweepRepetitions = 3;
    private const int WarmUpRounds = 2;

    // A GetMetricData call of 500 queries x 336 hours takes real CloudWatch a while; 250 ms is a conservative stand-in.
    private static readonly TimeSpan AwsLatency = TimeSpan.FromMilliseconds(250);
    private static readonly string[] Regions = ["ap-southeast-2", "eu-west-1", "us-east-1", "us-west-2"];
    private static readonly DateTimeOffset Start = UtilizationSeries.WindowStart(new DateTimeOffset(2026, 11, 30, 12, 34, 0, TimeSpan.Zero));
    private static readonly BasicAWSCredentials Key = new(KeyId, Secret);

    private readonly CloudWatchClients _clients = new();
    private FakeAwsServer _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAwsServer.StartAsync();
        _fake.AddAccount(Customer).AddAccessKey(KeyId, Secret);
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        _clients.Dispose();
    }

    [Fact]
    public async Task GetHourly_10000InstancesIn4Regions14Days_PrintsTimingsAndMemory()
    {
        var fleet = Regions.ToDictionary(r => r, r => (IReadOnlyList<string>)[.. Enumerable.Range(0, PerRegion)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"i-{Array.IndexOf(Regions, r)}{i:x16}"))]);
        foreach (var (region, ids) in fleet)
        {
            _fake.Account(Customer).Metrics(region).AddGenerated(ids);
        }
        var expected = ExpectedDatapoints(fleet);
        // The production settings: retries, per-attempt timeout and back-off as the app has them.
        var defaults = new CloudWatchOptions();
        var client = _clients.Create(_fake.Url, new AwsOptions().MaxErrorRetry, new AwsOptions().RequestTimeout,
            o => (o.RetryBaseDelay, o.MaxRetryDelay) = (defaults.RetryBaseDelay, defaults.MaxRetryDelay));
        // The floor sends through the client's named HttpClient, from the same factory.
        var http = _clients.HttpClients.CreateClient(CloudWatchClient.HttpClientName);
        var report = new Report(_fake);

        Task Floor(int concurrency, string key) => report.MeasureAsync(key, $"(a) floor: the same calls, answers read as bytes only, {concurrency} call(s) at a time",
            async () => (await FloorAsync(client, http, fleet, concurrency), 0L));
        Task Source(int concurrency, string key) => report.MeasureAsync(key, $"(b) CloudWatchUtilizationSource.GetHourlyAsync, {concurrency} call(s) at a time",
            async () => (0L, await SourceAsync(client, fleet, concurrency, expected)));

        // Warm-up (tiered compilation settles on optimized code for both paths), not counted.
        for (var i = 0; i < WarmUpRounds; i++)
        {
            await Floor(2, "warm-a");
            await Source(2, "warm-b");
        }
        // Interleaved, so that a busy machine slows both alike.
        for (var i = 0; i < Repetitions; i++)
        {
            await Floor(2, "a2");
            await Source(2, "b2");
        }
        foreach (var concurrency in new[] { 1, 4 })
        {
            for (var i = 0; i < SweepRepetitions; i++)
            {
                await Floor(concurrency, $"a{concurrency}");
                await Source(concurrency, $"b{concurrency}");
            }
        }
        _fake.Latency = AwsLatency;
        foreach (var concurrency in new[] { 1, 2, 4 })
        {
            await Floor(concurrency, $"a{concurrency}-lat");
            await Source(concurrency, $"b{concurrency}-lat");
        }
        _fake.Latency = TimeSpan.Zero;

        // What the results themselves keep: the series of all 10,000 instances, held at once.
        var retained = await RetainedAsync(client, fleet);

        var text = report.Render(expected, retained);
        output.WriteLine(text);
        Console.WriteLine(text);
    }

    /// <summary>The managed heap the series of the whole fleet keep (after full collections, with and without them).</summary>
    private static async Task<long> RetainedAsync(CloudWatchClient client, Dictionary<string, IReadOnlyList<string>> fleet)
    {
        var before = HeapAfterFullCollection();
        var all = new List<IReadOnlyList<UtilizationSeries>>();
        foreach (var (region, ids) in fleet)
        {
            all.Add(await new CloudWatchUtilizationSource(client, Key).GetHourlyAsync(region, ids, Start, Hours, null, CancellationToken.None));
        }
        var after = HeapAfterFullCollection();
        GC.KeepAlive(all);
        return after - before;

        static long HeapAfterFullCollection()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return GC.GetTotalMemory(forceFullCollection: true);
        }
    }

    /// <summary>The measured path: every region's series through the source (regions one after another), checked whole.</summary>
    private static async Task<long> SourceAsync(CloudWatchClient client, Dictionary<string, IReadOnlyList<string>> fleet, int concurrency, long expected)
    {
        long datapoints = 0;
        foreach (var (region, ids) in fleet)
        {
            var source = new CloudWatchUtilizationSource(client, Key, concurrency);
            var series = await source.GetHourlyAsync(region, ids, Start, Hours, null, CancellationToken.None);
            foreach (var one in series)
            {
                datapoints += Count(one.CpuAverage) + Count(one.CpuMaximum) + Count(one.NetworkIn) + Count(one.NetworkOut);
            }
            // Spot check: the last instance of the region, hour by hour.
            var last = series[^1];
            var profile = FakeMetricProfile.For(last.InstanceId, 0);
            for (var h = 0; h < Hours; h++)
            {
                Assert.Equal((float)profile.Value(NetworkOut, Sum, Start.AddHours(h)), last.NetworkOut[h]);
            }
        }
        Assert.Equal(expected, datapoints);
        return datapoints;

        static int Count(float[] values) => values.Count(v => !float.IsNaN(v));
    }

    /// <summary>
    /// The floor: the source's calls (its queries, request bodies, signing, HttpClient and NextToken paging) with each answer only
    /// read into a buffer; the NextToken is found by a byte search near the end.
    /// </summary>
    private static async Task<long> FloorAsync(CloudWatchClient client, HttpClient http, Dictionary<string, IReadOnlyList<string>> fleet, int concurrency)
    {
        long bytes = 0;
        foreach (var (region, ids) in fleet)
        {
            var endpoint = client.Endpoint(region);
            var calls = (ids.Count + CloudWatchUtilizationSource.InstancesPerCall - 1) / CloudWatchUtilizationSource.InstancesPerCall;
            await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (call, ct) =>
            {
                var first = call * CloudWatchUtilizationSource.InstancesPerCall;
                var queries = CloudWatchUtilizationSource.Queries(ids, first, Math.Min(CloudWatchUtilizationSource.InstancesPerCall, ids.Count - first));
                var body = GetMetricDataRequest.Body(queries, 0, queries.Count, Start, Start.AddHours(Hours), client.Options.MaxDatapoints);
                var buffer = ArrayPool<byte>.Shared.Rent(8 << 20);
                try
                {
                    string? token = null;
                    do
                    {
                        using var request = await client.CreateRequestAsync(Key, region, endpoint, GetMetricDataRequest.WithNextToken(body, token));
                        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                        response.EnsureSuccessStatusCode();
                        await using var stream = await response.Content.ReadAsStreamAsync(ct);
                        var length = 0;
                        int read;
                        while ((read = await stream.ReadAsync(buffer.AsMemory(length), ct)) > 0)
                        {
                            length += read;
                            if (length == buffer.Length)
                            {
                                var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                                buffer.AsSpan(0, length).CopyTo(bigger);
                                ArrayPool<byte>.Shared.Return(buffer);
                                buffer = bigger;
                            }
                        }
                        Interlocked.Add(ref bytes, length);
                        token = NextToken(buffer.AsSpan(0, length));
                    }
                    while (token is not null);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            });
        }
        return bytes;
    }

    private static string? NextToken(ReadOnlySpan<byte> answer)
    {
        var start = answer.LastIndexOf("<NextToken>"u8);
        if (start < 0)
        {
            return null;
        }
        start += "<NextToken>".Length;
        var end = answer[start..].IndexOf("</NextToken>"u8);
        return Encoding.UTF8.GetString(answer.Slice(start, end));
    }

    /// <summary>Every datapoint the fake holds for the fleet over the window (four metrics an instance, gaps left out).</summary>
    private static long ExpectedDatapoints(Dictionary<string, IReadOnlyList<string>> fleet)
    {
        long count = 0;
        foreach (var id in fleet.Values.SelectMany(ids => ids))
        {
            var profile = FakeMetricProfile.For(id, 0);
            for (var h = 0; h < Hours; h++)
            {
                count += double.IsNaN(profile.Value(CpuUtilization, Average, Start.AddHours(h))) ? 0 : 4;
            }
        }
        return count;
    }

    /// <summary>Wall time, CPU, allocations and the memory peaks (sampled) of each measured step, with the calls the fake answered.</summary>
    private sealed class Report(FakeAwsServer fake)
    {
        private readonly List<Run> _runs = [];

        public async Task MeasureAsync(string key, string label, Func<Task<(long Bytes, long Datapoints)>> action)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var requests = fake.Requests.Count;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            using var sampling = new CancellationTokenSource();
            var peaks = SampleAsync(sampling.Token);
            var clock = Stopwatch.StartNew();
            var (bytes, datapoints) = await action();
            var ms = clock.Elapsed.TotalMilliseconds;
            await sampling.CancelAsync();
            var (peakWorkingSet, peakHeap) = await peaks;
            process.Refresh();
            _runs.Add(new Run(key, label, ms, (process.TotalProcessorTime - cpu).TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: true) - allocated,
                peakHeap - heapBefore, peakWorkingSet, fake.Requests.Count - requests, bytes, datapoints));
        }

        public string Render(long expected, long retained)
        {
            using var process = Process.GetCurrentProcess();
            var c = CultureInfo.InvariantCulture;
            var text = new StringBuilder();
            text.AppendLine("==================== CLOUDWATCH BENCHMARK ====================");
            text.AppendLine(c, $"10,000 instances = {Regions.Length} regions x {PerRegion:N0}, {Hours} hours (14 days), 4 metrics: {expected:N0} datapoints (about 2% of hours empty);");
            text.AppendLine(c, $"{CloudWatchUtilizationSource.InstancesPerCall} instances (500 queries) a call, regions one after another; fake AWS in this process (loopback HTTP, it builds every");
            text.AppendLine(c, $"answer with XmlWriter), {Environment.ProcessorCount} cores, {BenchmarkText.Build}; warm-up rounds listed first, not counted. 'cpu' and 'alloc' are the");
            text.AppendLine(c, $"whole process's (client and fake); 'heap peak' is the managed heap's growth over the step, 'ws peak' the process working set (both sampled).");
            text.AppendLine();
            foreach (var group in _runs.GroupBy(r => r.Key))
            {
                var first = group.First();
                var times = group.Select(r => r.Ms).Order().ToList();
                text.AppendLine(c, $"  {first.Label}{(first.Key.StartsWith("warm", StringComparison.Ordinal) ? " (warm-up)" : "")}");
                var answers = first.Bytes > 0 ? $"   answers {BenchmarkText.Mb(first.Bytes)}" : "";
                text.AppendLine(c, $"      {Describe(times)}   calls {first.Calls}{answers}   cpu {group.Average(r => r.CpuMs),6:F0} ms/run   alloc {BenchmarkText.Mb(group.Average(r => r.Allocated))}/run");
                text.AppendLine(c, $"      heap peak +{BenchmarkText.Mb(group.Max(r => r.HeapPeak))}   ws peak {BenchmarkText.Mb(group.Max(r => r.WorkingSetPeak))}{(first.Datapoints > 0 ? $"   datapoints {first.Datapoints:N0}" : "")}");
            }
            text.AppendLine();
            text.AppendLine(c, $"  (c) ratio b/a of the medians: {Ratio("b2", "a2"):F2} at 2 calls at a time (the default; target <= 1.2), {Ratio("b1", "a1"):F2} at 1, {Ratio("b4", "a4"):F2} at 4");
            var clientCpu = Average("b2", r => r.CpuMs) - Average("a2", r => r.CpuMs);
            var clientAlloc = Average("b2", r => r.Allocated) - Average("a2", r => r.Allocated);
            text.AppendLine(c, $"      what the source adds to the floor, at 2: cpu {clientCpu:F0} ms/run ({clientCpu * 1e6 / expected:F0} ns a datapoint: XML, numbers, timestamps, series), alloc {BenchmarkText.Mb(clientAlloc)}/run");
            text.AppendLine(c, $"      with every answer {AwsLatency.TotalMilliseconds:F0} ms late: {Ratio("b1-lat", "a1-lat"):F2} at 1, {Ratio("b2-lat", "a2-lat"):F2} at 2, {Ratio("b4-lat", "a4-lat"):F2} at 4 ({Median("b1-lat"):F0} / {Median("b2-lat"):F0} / {Median("b4-lat"):F0} ms)");
            text.AppendLine(c, $"  (d) the 10,000 series held at once: {BenchmarkText.Mb(retained)} of managed heap (4 float arrays of {Hours} hours each)");
            text.AppendLine(c, $"      process peak working set {BenchmarkText.Mb(process.PeakWorkingSet64)} (whole test host: client, fake AWS building 5 MB answers, runner)");
            text.Append("==============================================================");
            return text.ToString();
        }

        private double Ratio(string measured, string floor) => Median(measured) / Median(floor);

        private double Average(string key, Func<Run, double> value) => _runs.Where(r => r.Key == key).Average(value);

        private double Median(string key)
        {
            var times = _runs.Where(r => r.Key == key).Select(r => r.Ms).Order().ToList();
            return times[times.Count / 2];
        }

        private static string Describe(List<double> sorted) => sorted.Count == 1
            ? string.Create(CultureInfo.InvariantCulture, $"{sorted[0],7:F0} ms")
            : string.Create(CultureInfo.InvariantCulture, $"median {sorted[sorted.Count / 2],6:F0} ms (min {sorted[0]:F0}, max {sorted[^1]:F0}, n={sorted.Count})");

        private static async Task<(long WorkingSet, long Heap)> SampleAsync(CancellationToken ct)
        {
            long workingSet = 0, heap = 0;
            while (!ct.IsCancellationRequested)
            {
                workingSet = Math.Max(workingSet, Environment.WorkingSet);
                heap = Math.Max(heap, GC.GetTotalMemory(forceFullCollection: false));
                try
                {
                    await Task.Delay(10, ct);
                }
                catch (OperationCanceledException)
                {
                }
            }
            return (workingSet, heap);
        }

        private sealed record Run(string Key, string Label, double Ms, double CpuMs, long Allocated, long HeapPeak, long WorkingSetPeak,
            int Calls, long Bytes, long Datapoints);
    }
}
