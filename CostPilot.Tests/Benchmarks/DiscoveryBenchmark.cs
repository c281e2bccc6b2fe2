using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.EC2.Model;
using Amazon.Runtime;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Tests.Infrastructure.Discovery;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace CostPilot.Tests.Benchmarks;

/// <summary>
/// Discovery of 10,000 instances (4 regions x 2,500) served by the fake AWS, against the floor of bare SDK paging.
/// Not part of the normal run (<c>./costpilot.sh test</c> excludes Category=Benchmark); run it with
/// <c>./costpilot.sh benchmark discovery</c>. Prints numbers; asserts only that everything was stored.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class DiscoveryBenchmark(ITestOutputHelper output) : IAsyncLifetime
{
    private const int PerRegion = 2_500;
    private const int Repetitions = 9;
    private const int WarmUpRounds = 10;
    private const int LatencyRepetitions = 5;

    // A DescribeInstances page of 1,000 instances takes real AWS well over this; 150 ms is a conservative stand-in.
    private static readonly TimeSpan AwsLatency = TimeSpan.FromMilliseconds(150);
    private static readonly string[] Regions = ["ap-southeast-2", "eu-west-1", "us-east-1", "us-west-2"];

    private readonly FakeAwsAppFactory _app = new()
    {
        // The production retry count (the test factory lowers it for quick failure tests).
        Settings = { ["CostPilot:Aws:MaxErrorRetry"] = new AwsOptions().MaxErrorRetry.ToString(CultureInfo.InvariantCulture) },
    };

    public Task InitializeAsync() => _app.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    [Fact]
    public async Task Discovery_10000InstancesIn4Regions_PrintsTimingsAndMemory()
    {
        var clients = _app.Services.GetRequiredService<AwsClientFactory>();
        var concurrency = _app.Services.GetRequiredService<IOptions<AwsOptions>>().Value.MaxConcurrentRegions;
        var store = _app.Services.GetRequiredService<InventoryStore>();
        var report = new Report();

        // Warm-up with a fleet of the same size through every measured path, then removed. One small round is not
        // enough: tiered compilation keeps the hot paths in tier-0 code (3-4x the CPU) until they have run for a while.
        var warm = _app.AddCustomer();
        foreach (var region in Regions)
        {
            warm.Account.Region(region).AddInstances(AwsDiscoveryTests.Instances("w", PerRegion));
        }
        var (warmCaller, warmAccountId) = await _app.ConnectNewUserAsync(warm);
        for (var round = 0; round < WarmUpRounds; round++)
        {
            await report.MeasureAsync("warm", "warm-up rounds (another 4 x 2,500 instances: floor, mapping, job)", async () =>
            {
                await BareSdkAsync(clients, Credentials(warm), concurrency);
                await SdkAndMappingAsync(clients, Credentials(warm), concurrency);
                await _app.RunDiscoveryAsync(warmAccountId);
            });
        }
        Assert.True((await TestUsers.WithScopeAsync<AccountService, Result>(_app.Services, s => s.RemoveAsync(warmCaller, warmAccountId))).Succeeded);

        var customer = _app.AddCustomer();
        foreach (var region in Regions)
        {
            customer.Account.Region(region).AddInstances(AwsDiscoveryTests.Instances(region[..2] + region[^1], PerRegion));
        }
        var (_, accountId) = await _app.ConnectNewUserAsync(customer);
        var credentials = Credentials(customer);

        Task Floor() => report.MeasureAsync("a", "(a) bare SDK paging (DescribeInstances only): the floor",
            async () => Assert.Equal(4 * PerRegion, await BareSdkAsync(clients, credentials, concurrency)));
        await Floor();
        await report.MeasureAsync("b-first", "(b) DiscoveryJob.RunAsync, first run (empty instances table)", () => _app.RunDiscoveryAsync(accountId));
        await AssertAllStoredAsync(accountId);
        // Interleaved, so that a busy machine slows every kind of run alike.
        for (var i = 0; i < Repetitions; i++)
        {
            await Floor();
            await report.MeasureAsync("a+map", "SDK + mapping (AwsInventorySource), no database",
                async () => Assert.Equal(4 * PerRegion, await SdkAndMappingAsync(clients, credentials, concurrency)));
            await report.MeasureAsync("b-steady", "(b) DiscoveryJob.RunAsync, steady state (the same 10,000 again)", () => _app.RunDiscoveryAsync(accountId));
        }
        await AssertAllStoredAsync(accountId);

        // The same with the time a real endpoint takes to answer: the job saves a page while it fetches the next.
        _app.Fake.Latency = AwsLatency;
        for (var i = 0; i < LatencyRepetitions; i++)
        {
            await report.MeasureAsync("a-lat", $"(a) the floor again, every AWS answer {AwsLatency.TotalMilliseconds:F0} ms late",
                async () => Assert.Equal(4 * PerRegion, await BareSdkAsync(clients, credentials, concurrency)));
            await report.MeasureAsync("b-lat", $"(b) DiscoveryJob.RunAsync, steady state, every AWS answer {AwsLatency.TotalMilliseconds:F0} ms late", () => _app.RunDiscoveryAsync(accountId));
        }
        _app.Fake.Latency = TimeSpan.Zero;
        await AssertAllStoredAsync(accountId);

        // The job's fixed cost: the same 4 regions, empty (DescribeRegions, volumes, addresses, status, events, lock).
        var empty = _app.AddCustomer();
        foreach (var region in Regions)
        {
            empty.Account.Region(region);
        }
        var (_, emptyAccountId) = await _app.ConnectNewUserAsync(empty);
        await _app.RunDiscoveryAsync(emptyAccountId);
        for (var i = 0; i < Repetitions; i++)
        {
            await report.MeasureAsync("b-empty", "DiscoveryJob.RunAsync, the same 4 regions but empty (its fixed cost)", () => _app.RunDiscoveryAsync(emptyAccountId));
        }

        // Persistence alone: the same 12 pages (1,000 + 1,000 + 500 per region) upserted into another account, 4 regions at a time.
        var pages = await CollectPagesAsync(clients, credentials);
        var (_, sinkAccountId) = await _app.ConnectNewUserAsync(_app.AddCustomer());
        var pageTimes = new List<double>();
        await report.MeasureAsync("db-insert", "InventoryStore.SavePageAsync only, inserting the 12 pages", () => SaveAllAsync(store, sinkAccountId, pages, concurrency, pageTimes, asNew: true));
        var insertPages = pageTimes.ToList();
        pageTimes.Clear();
        await report.MeasureAsync("db-update", "InventoryStore.SavePageAsync only, upserting the 12 pages (all changed)", () => SaveAllAsync(store, sinkAccountId, pages, concurrency, pageTimes, asNew: false));
        var updatePages = pageTimes.ToList();
        var sequential = Stopwatch.StartNew();
        foreach (var (region, page) in pages.SelectMany(p => p.Value.Select(page => (p.Key, page))))
        {
            await store.SavePageAsync(sinkAccountId, region, [], AllChanged(page), DateTimeOffset.UtcNow, CancellationToken.None);
        }
        var sequentialUpdate = sequential.Elapsed.TotalMilliseconds;

        // The two steps a rescan adds to the floor's work, alone: reading what is stored, and hashing what was found.
        for (var i = 0; i < Repetitions; i++)
        {
            await report.MeasureAsync("load-hashes", "InventoryStore.LoadLiveHashesAsync, the 4 regions at once (10,000 rows)",
                () => Task.WhenAll(Regions.Select(region => store.LoadLiveHashesAsync(accountId, region, CancellationToken.None))));
            await report.MeasureAsync("hash", "InventoryStore.ContentHash of the 10,000 instances",
                () => Task.FromResult(pages.Values.SelectMany(p => p).SelectMany(p => p).Select(InventoryStore.ContentHash).Distinct().Count()));
        }

        // One more steady-state run, traced (not timed above): where the job's time goes.
        var profile = await ProfileAsync(() => _app.RunDiscoveryAsync(accountId));

        var text = report.Render(concurrency, insertPages, updatePages, sequentialUpdate) + Environment.NewLine + profile;
        output.WriteLine(text);
        Console.WriteLine(text);
    }

    /// <summary>Runs <paramref name="action"/> with every ActivitySource traced (Npgsql, HttpClient, the fake's Kestrel, ...) and sums the spans.</summary>
    private static async Task<string> ProfileAsync(Func<Task> action)
    {
        var spans = new ConcurrentQueue<(string Source, string Name, double Ms)>();
        using (var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => spans.Enqueue((a.Source.Name, SpanName(a), a.Duration.TotalMilliseconds)),
        })
        {
            ActivitySource.AddActivityListener(listener);
            var clock = Stopwatch.StartNew();
            await action();
            var wall = clock.Elapsed.TotalMilliseconds;
            var c = CultureInfo.InvariantCulture;
            var text = new StringBuilder();
            text.AppendLine(c, $"  PROFILE of one more steady-state job run, traced: {wall:F0} ms wall (tracing adds overhead); spans summed over the 4 concurrent regions:");
            foreach (var group in spans.GroupBy(s => (s.Source, s.Name)).OrderByDescending(g => g.Sum(s => s.Ms)).Take(16))
            {
                var sorted = group.Select(s => s.Ms).Order().ToList();
                text.AppendLine(c, $"    {group.Key.Source,-28} {Clip(group.Key.Name, 58),-58} n={sorted.Count,4}  total {sorted.Sum(),7:F0} ms  median {sorted[sorted.Count / 2],6:F1} ms");
            }
            return text.ToString().TrimEnd();
        }

        static string SpanName(Activity a)
        {
            var statement = a.GetTagItem("db.query.text") as string ?? a.GetTagItem("db.statement") as string;
            return statement is null ? a.DisplayName : string.Join(' ', statement.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Take(4));
        }

        static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
    }

    private static BasicAWSCredentials Credentials(FakeCustomer customer) => new(customer.AccessKeyId, customer.Secret);

    /// <summary>The floor: only the SDK paging DescribeInstances, regions in parallel like the job.</summary>
    private static async Task<int> BareSdkAsync(AwsClientFactory clients, AWSCredentials credentials, int concurrency)
    {
        var total = 0;
        await Parallel.ForEachAsync(Regions, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (region, ct) =>
        {
            using var ec2 = clients.CreateEc2(credentials, region);
            string? token = null;
            do
            {
                var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { MaxResults = AwsInventorySource.MaxResults, NextToken = token }, ct);
                Interlocked.Add(ref total, response.Reservations?.Sum(r => r.Instances?.Count ?? 0) ?? 0);
                token = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
            }
            while (token is not null);
        });
        return total;
    }

    private static async Task<int> SdkAndMappingAsync(AwsClientFactory clients, AWSCredentials credentials, int concurrency)
    {
        var source = new AwsInventorySource(clients, credentials, TimeProvider.System);
        var total = 0;
        await Parallel.ForEachAsync(Regions, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (region, ct) =>
        {
            await foreach (var page in source.ListInstancesAsync(region, ct))
            {
                Interlocked.Add(ref total, page.Count);
            }
        });
        return total;
    }

    private static async Task<Dictionary<string, List<IReadOnlyList<DiscoveredInstance>>>> CollectPagesAsync(AwsClientFactory clients, AWSCredentials credentials)
    {
        var source = new AwsInventorySource(clients, credentials, TimeProvider.System);
        var pages = new Dictionary<string, List<IReadOnlyList<DiscoveredInstance>>>();
        foreach (var region in Regions)
        {
            pages[region] = [];
            await foreach (var page in source.ListInstancesAsync(region, CancellationToken.None))
            {
                pages[region].Add(page);
            }
        }
        return pages;
    }

    private static Task SaveAllAsync(InventoryStore store, Guid accountId, Dictionary<string, List<IReadOnlyList<DiscoveredInstance>>> pages, int concurrency, List<double> pageTimes, bool asNew) =>
        Parallel.ForEachAsync(pages, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (region, ct) =>
        {
            foreach (var page in region.Value)
            {
                var clock = Stopwatch.StartNew();
                await store.SavePageAsync(accountId, region.Key, asNew ? AllChanged(page) : [], asNew ? [] : AllChanged(page), DateTimeOffset.UtcNow, ct);
                lock (pageTimes)
                {
                    pageTimes.Add(clock.Elapsed.TotalMilliseconds);
                }
            }
        });

    /// <summary>Every instance of the page as new or changed: the store upserts them all.</summary>
    private static List<(DiscoveredInstance, Guid)> AllChanged(IReadOnlyList<DiscoveredInstance> page) =>
        [.. page.Select(i => (i, InventoryStore.ContentHash(i)))];

    private async Task AssertAllStoredAsync(Guid accountId)
    {
        await using var db = await _app.CreateDbContextAsync();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal((AccountStatus.Active, (string?)null), (account.Status, account.StatusMessage));
        Assert.Equal(4 * PerRegion, await db.Instances.CountAsync(i => i.AccountId == accountId && i.GoneAt == null));
    }

    /// <summary>Wall time, allocations and memory of each measured step.</summary>
    private sealed class Report
    {
        private readonly List<(string Key, string Label, double Ms, double CpuMs, long Allocated, long HeapAfter, int Gen2)> _runs = [];

        public async Task MeasureAsync(string key, string label, Func<Task> action)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var gen2 = GC.CollectionCount(2);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await action();
            var ms = clock.Elapsed.TotalMilliseconds;
            var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            var allocatedDelta = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            var gen2Delta = GC.CollectionCount(2) - gen2;
            _runs.Add((key, label, ms, cpuMs, allocatedDelta, GC.GetTotalMemory(forceFullCollection: true), gen2Delta));
        }

        public string Render(int concurrency, List<double> insertPages, List<double> updatePages, double sequentialUpdateMs)
        {
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            var c = CultureInfo.InvariantCulture;
            var text = new StringBuilder();
            text.AppendLine(c, $"==================== DISCOVERY BENCHMARK ====================");
            text.AppendLine(c, $"10,000 instances = {Regions.Length} regions x {PerRegion:N0}, pages of {AwsInventorySource.MaxResults}, {concurrency} regions at a time;");
            text.AppendLine(c, $"fake AWS (same process, loopback HTTP), PostgreSQL local; {Environment.ProcessorCount} cores; {BenchmarkText.Build}; warm-up rounds listed first, not counted.");
            text.AppendLine(c, $"Wall times; 'cpu' and 'alloc' are this whole process's (app and fake AWS, not PostgreSQL) during the step.");
            text.AppendLine();
            foreach (var group in _runs.GroupBy(r => r.Key))
            {
                var times = group.Select(r => r.Ms).Order().ToList();
                var first = group.First();
                text.AppendLine(c, $"  {first.Label}");
                text.AppendLine(c, $"      {Describe(times)}   cpu {group.Average(r => r.CpuMs),5:F0} ms/run   alloc {BenchmarkText.Mb(group.Average(r => r.Allocated))}/run   gen2 GCs {group.Sum(r => r.Gen2)}   heap after {BenchmarkText.Mb(group.Last().HeapAfter)}");
                if (group.Count() > 1)
                {
                    text.AppendLine(c, $"      runs, wall/cpu ms: {string.Join("  ", group.Select(r => $"{r.Ms:F0}/{r.CpuMs:F0}"))}");
                }
            }
            var floor = Median("a");
            text.AppendLine();
            text.AppendLine(c, $"  (c) ratio b/a (medians): first run {Median("b-first") / floor:F2}, steady state {Median("b-steady") / floor:F2}   (SDK+mapping / a: {Median("a+map") / floor:F2})");
            text.AppendLine(c, $"      with every AWS answer {AwsLatency.TotalMilliseconds:F0} ms late: steady state {Median("b-lat") / Median("a-lat"):F2} ({Median("b-lat"):F0} ms / {Median("a-lat"):F0} ms)");
            text.AppendLine(c, $"  job - floor: first run {Median("b-first") - floor:F0} ms, steady {Median("b-steady") - floor:F0} ms; of which fixed cost {Median("b-empty"):F0} ms");
            text.AppendLine(c, $"  per-page save, 4 at a time: inserting {Describe(insertPages.Order().ToList())}");
            text.AppendLine(c, $"                              upserting {Describe(updatePages.Order().ToList())}");
            text.AppendLine(c, $"  the {updatePages.Count} upserts one after another: {sequentialUpdateMs:F0} ms ({sequentialUpdateMs / updatePages.Count:F0} ms/page)");
            text.AppendLine(c, $"  (d) process peak working set {BenchmarkText.Mb(process.PeakWorkingSet64)} (whole test host: app, fake AWS, runner), working set now {BenchmarkText.Mb(process.WorkingSet64)}, managed heap now {BenchmarkText.Mb(GC.GetTotalMemory(forceFullCollection: true))}");
            text.Append("=============================================================");
            return text.ToString();
        }

        private double Median(string key)
        {
            var times = _runs.Where(r => r.Key == key).Select(r => r.Ms).Order().ToList();
            return times[times.Count / 2];
        }

        private static string Describe(List<double> sorted) => sorted.Count == 1
            ? string.Create(CultureInfo.InvariantCulture, $"{sorted[0],7:F0} ms")
            : string.Create(CultureInfo.InvariantCulture, $"median {sorted[sorted.Count / 2],6:F0} ms (min {sorted[0]:F0}, max {sorted[^1]:F0}, n={sorted.Count})");


    }
}
