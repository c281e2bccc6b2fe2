using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing.PriceList;
using CostPilot.Tests.Infrastructure.Pricing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace CostPilot.Tests.Benchmarks;

/// <summary>
/// Streams a synthetic ~500 MB EC2 region offer file (the real layout and mix: mostly products and terms that are
/// skipped, Reserved terms included) through the Price List parser, against the floor of bare Utf8JsonReader
/// tokenizing of the same bytes, and prints MB/s and peak memory. Not part of the normal run; run it with
/// <c>./costpilot.sh benchmark pricelist</c>. Asserts only that every price was found, never a time.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class PriceListBenchmark(ITestOutputHelper output) : IAsyncLifetime
{
    private const long TargetBytes = 500L << 20;
    private const int Repetitions = 3;
    private const int WarmUpRounds = 5;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "costpilot-pricelist-benchmark-" + Guid.NewGuid().ToString("N"));
    private readonly List<Run> _runs = [];
    private SyntheticEc2Offer _offer = null!;
    private string _productsFirst = "";
    private string _termsFirst = "";
    private string _warmUp = "";
    private double _generateSeconds;
    private bool _peakReset;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var clock = Stopwatch.StartNew();
        _offer = new SyntheticEc2Offer((int)(TargetBytes / SyntheticEc2Offer.BytesPerType()));
        _productsFirst = Write("offer.json", _offer, termsFirst: false);
        _generateSeconds = clock.Elapsed.TotalSeconds;
        _termsFirst = Write("offer-terms-first.json", _offer, termsFirst: true);
        _warmUp = Write("warm-up.json", new SyntheticEc2Offer(40), termsFirst: false);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task PriceList_500MbRegionOffer_PrintsThroughputAndMemory()
    {
        // Warm-up on a small file of the same shape: tiered compilation keeps hot loops in tier-0 code for a while.
        var warm = new SyntheticEc2Offer(40);
        for (var i = 0; i < WarmUpRounds; i++)
        {
            await FloorAsync(_warmUp);
            Verify(warm, await ParseFileAsync(_warmUp));
        }

        // Interleaved, so that a busy machine slows every kind of run alike.
        for (var i = 0; i < Repetitions; i++)
        {
            await MeasureAsync("a", "(a) floor: Utf8JsonReader tokenizing only (the same refilled 1 MiB buffer, FileStream)", () => FloorAsync(_productsFirst));
            await MeasureAsync("b", "(b) OfferParser.ParseAsync (FileStream)", async () =>
            {
                var contents = await ParseFileAsync(_productsFirst);
                Verify(_offer, contents);
                return contents.Bytes;
            });
        }

        await using var server = await PriceListServer.StartAsync();
        ServeSyntheticRegion(server, _productsFirst);
        using var http = new HttpClient();
        var client = new PriceListClient(http, Options.Create(new PricingOptions { PriceListBaseUrl = server.Url, Regions = [SyntheticEc2Offer.Region] }),
            TimeProvider.System, NullLogger<PriceListClient>.Instance);
        for (var i = 0; i < Repetitions; i++)
        {
            await MeasureAsync("c", "(c) PriceListClient.FetchAsync over local HTTP (Kestrel in this process; + the small index and VPC files)", async () =>
            {
                var result = await client.FetchAsync();
                Verify(_offer, result);
                return result.Files.Single(f => f.Offer == "AmazonEC2").Bytes;
            });
        }

        await MeasureAsync("d", "(d) OfferParser.ParseAsync, terms before products (FileStream; usable OnDemand prices wait for their product)", async () =>
        {
            var contents = await ParseFileAsync(_termsFirst);
            Verify(_offer, contents);
            return contents.Bytes;
        });

        var text = Render();
        output.WriteLine(text);
        Console.WriteLine(text);
    }

    private string Write(string name, SyntheticEc2Offer offer, bool termsFirst)
    {
        var path = Path.Combine(_folder, name);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        offer.Write(file, termsFirst);
        return path;
    }

    private static async Task<OfferContents> ParseFileAsync(string path)
    {
        await using var file = Open(path);
        return await OfferParser.ParseAsync(file, SyntheticEc2Offer.Region, CancellationToken.None);
    }

    private static async Task<long> FloorAsync(string path)
    {
        await using var file = Open(path);
        var sink = new TokenizeOnly();
        var bytes = await JsonStreamReader.ReadAsync(file, sink, CancellationToken.None);
        Assert.True(sink.Tokens > 0);
        return bytes;
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private static void ServeSyntheticRegion(PriceListServer server, string path)
    {
        const string regionPath = "/offers/v1.0/aws/AmazonEC2/20260910195514/us-east-1/index.json";
        server.Serve(PriceListServer.OfferIndexPath, OfferFiles.SampleBytes("index.json"));
        server.Serve(PriceListServer.RegionIndexPath, $$"""
            { "formatVersion" : "v1.0", "publicationDate" : "2026-09-10T19:55:14Z",
              "regions" : { "us-east-1" : { "regionCode" : "us-east-1", "currentVersionUrl" : "{{regionPath}}" } } }
            """);
        server.Serve(PriceListServer.VpcPath, OfferFiles.SampleBytes("AmazonVPC-offer.json"));
        server.Serve(regionPath, context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.SendFileAsync(path, context.RequestAborted);
        });
    }

    private static void Verify(SyntheticEc2Offer offer, OfferContents contents)
    {
        Assert.Equal((offer.Products, offer.KeptCompute, 0, 0), (contents.Products, contents.Compute.Count, contents.Unpriced, contents.Conflicts));
        for (var t = 0; t < offer.Types; t++)
        {
            var type = SyntheticEc2Offer.InstanceType(t);
            Assert.Equal(SyntheticEc2Offer.Expected(t, InstanceOs.Linux), contents.Compute[(SyntheticEc2Offer.Region, type, InstanceOs.Linux)]);
            Assert.Equal(SyntheticEc2Offer.Expected(t, InstanceOs.Windows), contents.Compute[(SyntheticEc2Offer.Region, type, InstanceOs.Windows)]);
        }
        Assert.Equal(SyntheticEc2Offer.ExpectedEbs.OrderBy(e => e.Key, StringComparer.Ordinal),
            contents.EbsRates().Select(r => KeyValuePair.Create(r.VolumeType, r.Rate)).OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    private static void Verify(SyntheticEc2Offer offer, PriceListResult result)
    {
        var catalog = result.Catalog;
        Assert.Equal(offer.KeptCompute, catalog.ComputePriceCount);
        var last = offer.Types - 1;
        Assert.Equal(SyntheticEc2Offer.Expected(last, InstanceOs.Windows),
            catalog.InstanceHourly(SyntheticEc2Offer.Region, SyntheticEc2Offer.InstanceType(last), InstanceOs.Windows, Tenancy.Shared));
        Assert.Equal(SyntheticEc2Offer.ExpectedEbs["gp3"], catalog.Ebs(SyntheticEc2Offer.Region, "gp3"));
        Assert.Equal(0.005m, catalog.PublicIpv4Hourly(SyntheticEc2Offer.Region));
        Assert.Equal(0, result.PublicIpv4Fallbacks);
    }

    /// <summary>Wall time, throughput and memory of one run: the process's peak working set over its working set before, and the GC heap's peak over its size before.</summary>
    private async Task MeasureAsync(string key, string label, Func<Task<long>> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        _peakReset = ResetPeakWorkingSet();
        process.Refresh();
        var workingSetBefore = process.WorkingSet64;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var gen2 = GC.CollectionCount(2);
        var cpu = process.TotalProcessorTime;

        var heapPeak = heapBefore;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(2, CancellationToken.None);
            }
        }, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        var bytes = await action();
        var seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
        process.Refresh();
        _runs.Add(new Run(key, label, bytes, seconds, (process.TotalProcessorTime - cpu).TotalSeconds,
            process.PeakWorkingSet64 - workingSetBefore, process.PeakWorkingSet64, heapPeak - heapBefore,
            GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore, GC.CollectionCount(2) - gen2));
    }

    /// <summary>Linux: writing 5 to /proc/self/clear_refs resets the peak resident set (VmHWM), so each run's peak is its own.</summary>
    private static bool ResetPeakWorkingSet()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string Render()
    {
        var c = CultureInfo.InvariantCulture;
        var bytes = new FileInfo(_productsFirst).Length;
        var text = new StringBuilder();
        text.AppendLine(c, $"==================== PRICE LIST BENCHMARK ====================");
        text.AppendLine(c, $"Synthetic AmazonEC2 {SyntheticEc2Offer.Region} offer: {BenchmarkText.Mb(bytes)}, {_offer.Types:N0} instance types, {_offer.Products:N0} products of which " +
            $"{_offer.KeptCompute:N0} compute prices and 7 EBS volume types are kept; an OnDemand term per product and 12 Reserved terms per used shared/dedicated product.");
        text.AppendLine(c, $"Written in {_generateSeconds:F1} s to a temporary file (read back from the OS page cache, so the disk is not measured). " +
            $"{Environment.ProcessorCount} cores; {BenchmarkText.Build}; {WarmUpRounds} warm-up rounds on a small file first, not counted.");
        var peak = _peakReset ? "(peak reset before each run through /proc/self/clear_refs)" : "(could not reset the peak: this is the process's lifetime peak)";
        text.AppendLine(c, $"Memory per run: 'peak WS' = the process's peak working set minus its working set before the run {peak}; " +
            $"'GC heap peak' = the managed heap's highest size (sampled every 2 ms) minus its size before.");
        text.AppendLine();
        foreach (var group in _runs.GroupBy(r => r.Key))
        {
            var runs = group.ToList();
            var median = runs.OrderBy(r => r.Seconds).ElementAt(runs.Count / 2);
            text.AppendLine(c, $"  {runs[0].Label}");
            text.AppendLine(c, $"      median {median.Seconds * 1000,6:F0} ms = {median.MegabytesPerSecond,5:F0} MB/s   cpu {runs.Average(r => r.CpuSeconds) * 1000:F0} ms/run   " +
                $"peak WS +{BenchmarkText.Mb(runs.Max(r => r.PeakWorkingSetDelta))} (absolute {BenchmarkText.Mb(runs.Max(r => r.PeakWorkingSet))})   GC heap peak +{BenchmarkText.Mb(runs.Max(r => r.HeapPeakDelta))}   " +
                $"alloc {BenchmarkText.Mb(runs.Average(r => r.Allocated))}/run   gen2 GCs {runs.Sum(r => r.Gen2)}");
            if (runs.Count > 1)
            {
                text.AppendLine(c, $"      runs: {string.Join("  ", runs.Select(r => $"{r.Seconds * 1000:F0} ms ({r.MegabytesPerSecond:F0} MB/s)"))}");
            }
        }
        var floor = Median("a");
        text.AppendLine();
        text.AppendLine(c, $"  ratio to the floor (medians): parser {Median("b") / floor:F2}, whole refresh over HTTP {Median("c") / floor:F2}, terms first {Median("d") / floor:F2}");
        text.AppendLine(c, $"  targets: >= 100 MB/s (parser {Throughput("b"):F0}, over HTTP {Throughput("c"):F0}); < 150 MB peak " +
            $"(parser: peak WS +{BenchmarkText.Mb(_runs.Where(r => r.Key == "b").Max(r => r.PeakWorkingSetDelta))}, GC heap +{BenchmarkText.Mb(_runs.Where(r => r.Key == "b").Max(r => r.HeapPeakDelta))}; " +
            $"over HTTP: peak WS +{BenchmarkText.Mb(_runs.Where(r => r.Key == "c").Max(r => r.PeakWorkingSetDelta))})");
        text.Append("==============================================================");
        return text.ToString();
    }

    private double Median(string key)
    {
        var times = _runs.Where(r => r.Key == key).Select(r => r.Seconds).Order().ToList();
        return times[times.Count / 2];
    }

    private double Throughput(string key) => (double)_runs.First(r => r.Key == key).Bytes / (1 << 20) / Median(key);


    private sealed record Run(string Key, string Label, long Bytes, double Seconds, double CpuSeconds, long PeakWorkingSetDelta,
        long PeakWorkingSet, long HeapPeakDelta, long Allocated, int Gen2)
    {
        public double MegabytesPerSecond => Bytes / (double)(1 << 20) / Seconds;
    }

    /// <summary>The floor: reads every token and does nothing with it.</summary>
    private sealed class TokenizeOnly : IJsonTokenSink
    {
        public long Tokens { get; private set; }

        public void Consume(ref Utf8JsonReader reader)
        {
            while (reader.Read())
            {
                Tokens++;
            }
        }
    }

}
