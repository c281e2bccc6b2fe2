using System.Diagnostics;
using System.Globalization;
using System.Text;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Pricing;
using Xunit.Abstractions;

namespace CostPilot.Tests.Benchmarks;

/// <summary>
/// The recommendation engine over an account of 10,000 instances (the instance mix of <see cref="PricingBenchmark"/>) with
/// 14 days of hourly CloudWatch data, 12,000 volumes and 500 Elastic IPs, against the shipped catalogs: the utilization
/// summaries (<see cref="UtilizationSummary.Of"/> for every series) and <see cref="RecommendationEngine.Evaluate"/> timed
/// separately, plus building the engine (its type index). Not part of the normal run; run it with
/// <c>./costpilot.sh benchmark Recommendation</c>. Prints numbers; asserts only that every run gives the same answer.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class RecommendationBenchmark(ITestOutputHelper output)
{
    private const int InstanceCount = 10_000;
    private const int VolumeCount = 12_000;
    private const int AddressCount = 500;
    private const int WarmUpRuns = 10;
    private const int Runs = 15;
    private const double TargetMs = 1000;

    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 17, 0, TimeSpan.Zero);

    private static readonly (string Type, int Weight)[] VolumeTypes =
        [("gp3", 50), ("gp2", 25), ("io1", 6), ("io2", 6), ("st1", 5), ("sc1", 4), ("standard", 4)];

    /// <summary>How busy an instance is; weights out of 100.</summary>
    private enum Profile
    {
        Idle,
        Light,
        Moderate,
        Hot,
        FewPoints,
        NoData,
    }

    private static readonly (Profile Profile, int Weight)[] Profiles =
        [(Profile.Idle, 8), (Profile.Light, 35), (Profile.Moderate, 32), (Profile.Hot, 10), (Profile.FewPoints, 8), (Profile.NoData, 7)];

    [Fact]
    public void Evaluate_10000InstancesWith14DaysOfData_PrintsTimingsAndMemory()
    {
        var c = CultureInfo.InvariantCulture;
        var prices = SnapshotPriceCatalog.Default;
        var types = InstanceTypeCatalog.Default;
        var settings = new RecommendationSettings();

        var clock = Stopwatch.StartNew();
        var heapBefore = HeapAfterFullCollection();
        var account = Account.Build(prices, types);
        var seriesBytes = HeapAfterFullCollection() - heapBefore;
        var buildMs = clock.Elapsed.TotalMilliseconds;

        // The engine: its construction indexes the 1,403 types (first: cold, JIT included).
        clock.Restart();
        var engine = new RecommendationEngine(prices, types, settings);
        var firstEngineMs = clock.Elapsed.TotalMilliseconds;
        var engineBuilds = new List<Run>();
        for (var i = 0; i < 5; i++)
        {
            engineBuilds.Add(Measure(() => new RecommendationEngine(prices, types, settings), out _));
        }

        // Warm-up until tiered compilation has settled, then interleaved runs so a busy machine slows both alike.
        var summaries = Summaries(account.Series);
        var fleet = account.Fleet(summaries);
        var expected = engine.Evaluate(fleet);
        for (var i = 0; i < WarmUpRuns; i++)
        {
            Assert.Equal(summaries, Summaries(account.Series));
            Assert.Equal(expected.Recommendations, engine.Evaluate(fleet).Recommendations);
        }
        var summaryRuns = new List<Run>();
        var engineRuns = new List<Run>();
        for (var i = 0; i < Runs; i++)
        {
            summaryRuns.Add(Measure(() => Summaries(account.Series), out var again));
            Assert.Equal(summaries, again);
            engineRuns.Add(Measure(() => engine.Evaluate(fleet), out var result));
            Assert.Equal(expected.Recommendations, result.Recommendations);
            Assert.Equal(expected.Findings, result.Findings);
        }

        var engineMedian = Median(engineRuns.Select(r => r.Ms).Order().ToList());
        var text = new StringBuilder();
        text.AppendLine(c, $"==================== RECOMMENDATION BENCHMARK ====================");
        text.AppendLine(c, $"{InstanceCount:N0} instances ({account.Fleet(summaries).Instances.Count(i => i.State.IsRunning):N0} running), {VolumeCount:N0} volumes, {AddressCount} Elastic IPs; shipped catalogs ({types.Count:N0} types); {Environment.ProcessorCount} cores; {BenchmarkText.Build}.");
        text.AppendLine(c, $"Utilization: {account.Series.Count:N0} series x {UtilizationSeries.WindowHours} hours ({account.Mix}); series memory {BenchmarkText.Mb(seriesBytes)}; account built in {buildMs:F0} ms");
        text.AppendLine();
        text.AppendLine(c, $"  new RecommendationEngine (type index)  first {firstEngineMs:F1} ms (cold), then {Describe(engineBuilds)}");
        text.AppendLine(c, $"  (a) UtilizationSummary.Of x {account.Series.Count:N0}");
        text.AppendLine(c, $"      {Describe(summaryRuns)}");
        text.AppendLine(c, $"  (b) RecommendationEngine.Evaluate (10,000 instances, 12,000 volumes, 500 addresses)");
        text.AppendLine(c, $"      {Describe(engineRuns)}");
        text.AppendLine(c, $"      target: under {TargetMs:N0} ms on 2 cores -> {(engineMedian < TargetMs ? "met" : "NOT MET")} ({engineMedian / TargetMs * 100:F1} % of it at the median)");
        text.AppendLine(c, $"  result: {expected.Recommendations.Count:N0} recommendations, {expected.TotalMonthlySaving:N2} USD/month, {expected.Recommendations.Count(r => r.MonthlySaving is null)} with unknown saving");
        foreach (var kind in RecommendationKinds.All)
        {
            var rows = expected.Recommendations.Where(r => r.Kind == kind).ToList();
            text.AppendLine(c, $"      {kind.Slug(),-18} {rows.Count,6:N0}  {rows.Sum(r => r.MonthlySaving ?? 0m),12:N2} USD/month");
        }
        text.AppendLine(c, $"      findings: {string.Join(", ", expected.Findings.GroupBy(f => f.Kind).Select(g => string.Create(c, $"{g.Key} {g.Count():N0}")))}");
        text.Append("==================================================================");
        output.WriteLine(text.ToString());
        Console.WriteLine(text.ToString());
    }

    private static Dictionary<string, UtilizationSummary> Summaries(List<UtilizationSeries> series)
    {
        var summaries = new Dictionary<string, UtilizationSummary>(series.Count, StringComparer.Ordinal);
        foreach (var s in series)
        {
            summaries[s.InstanceId] = UtilizationSummary.Of(s);
        }
        return summaries;
    }

    /// <summary>Wall time, this process's CPU time and bytes allocated by this thread.</summary>
    private static Run Measure<T>(Func<T> action, out T result)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        result = action();
        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        process.Refresh();
        return new Run(ms, (process.TotalProcessorTime - cpu).TotalMilliseconds, bytes);
    }

    private static long HeapAfterFullCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static double Median(List<double> sorted) => sorted[sorted.Count / 2];

    private static string Describe(List<Run> runs)
    {
        var wall = runs.Select(r => r.Ms).Order().ToList();
        var cpu = runs.Select(r => r.CpuMs).Order().ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"median {Median(wall),7:F2} ms (min {wall[0]:F2}, max {wall[^1]:F2}, n={wall.Count})   cpu median {Median(cpu),7:F2} ms   alloc {BenchmarkText.Mb(runs.Average(r => r.Allocated))}/run");
    }

    private readonly record struct Run(double Ms, double CpuMs, long Allocated);

    /// <summary>A deterministic account: instances, their hourly series (none for some), volumes and addresses.</summary>
    private sealed class Account
    {
        private readonly List<FleetInstance> _instances = new(InstanceCount);
        private readonly List<FleetVolume> _volumes = new(VolumeCount);
        private readonly List<FleetAddress> _addresses = new(AddressCount);

        public List<UtilizationSeries> Series { get; } = new(InstanceCount);

        public string Mix { get; private set; } = "";

        public Fleet Fleet(Dictionary<string, UtilizationSummary> summaries) => new(_instances, _volumes, _addresses, summaries, null, Now);

        public static Account Build(PriceCatalogData prices, InstanceTypeCatalog types)
        {
            var random = new Random(20_261_130);
            var account = new Account();
            var start = UtilizationSeries.WindowStart(Now);
            var profiles = new Dictionary<Profile, int>();
            for (var n = 0; n < InstanceCount; n++)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"i-{n:x17}");
                var region = Pick(random, PricingBenchmark.Regions);
                var family = Pick(random, PricingBenchmark.Families.Select(f => (f, f.Weight)).ToArray());
                var type = string.Concat(family.Family, ".", family.Sizes[random.Next(family.Sizes.Length)]);
                var arm = types.Find(type)?.Architecture == CpuArchitecture.Arm64;
                var roll = random.Next(1000);
                var platform = roll < 10 ? "red hat enterprise linux" : !arm && roll < 130 ? "windows" : "linux";
                var tenancy = random.Next(1000) < 5 ? "dedicated" : "default";
                var lifecycle = random.Next(100) < 8 ? "spot" : "on-demand";
                var running = random.Next(100) < 85;
                var stoppedSince = random.Next(10) == 0 ? (DateTimeOffset?)null : Now.AddHours(-random.Next(1, 24 * 120));
                decimal? monthly = lifecycle == "spot"
                    ? Math.Round((prices.InstanceHourly(region, type, InstanceOs.Linux, Tenancy.Shared) ?? 0.1m) * 0.4m * 730m, 2)
                    : Costs.Instance(prices, region, type, platform, tenancy, lifecycle, running, null).Monthly;
                account._instances.Add(new FleetInstance(id, n % 3 == 0 ? null : $"app-{n % 97}", region, type,
                    running ? InstanceState.Running : InstanceState.Stopped, platform, arm ? "arm64" : "x86_64", tenancy, lifecycle,
                    running ? monthly : 0m, running ? Now.AddDays(-random.Next(1, 400)) : stoppedSince));
                if (!running)
                {
                    continue;
                }
                var profile = Pick(random, Profiles);
                profiles[profile] = profiles.GetValueOrDefault(profile) + 1;
                if (profile != Profile.NoData)
                {
                    account.Series.Add(Hourly(random, id, start, profile));
                }
            }

            for (var n = 0; n < VolumeCount; n++)
            {
                var owner = account._instances[random.Next(account._instances.Count)];
                var volumeType = Pick(random, VolumeTypes);
                var size = volumeType is "st1" or "sc1" ? random.Next(125, 4000) : random.Next(8, 2000);
                int? iops = volumeType switch { "gp3" => 3000, "io1" or "io2" => random.Next(100, 20_000), _ => null };
                int? throughput = volumeType == "gp3" ? 125 : null;
                account._volumes.Add(new FleetVolume(string.Create(CultureInfo.InvariantCulture, $"vol-{n:x17}"), null, owner.Region, volumeType, size, iops,
                    throughput, random.Next(100) < 15 ? null : owner.InstanceId, Costs.Volume(prices, owner.Region, volumeType, size, iops, throughput).Monthly));
            }

            for (var n = 0; n < AddressCount; n++)
            {
                var region = Pick(random, PricingBenchmark.Regions);
                account._addresses.Add(new FleetAddress(string.Create(CultureInfo.InvariantCulture, $"eipalloc-{n:x17}"),
                    string.Create(CultureInfo.InvariantCulture, $"198.51.{n / 250}.{n % 250}"), null, region,
                    random.Next(100) < 20 ? null : $"eipassoc-{n}", Costs.Address(prices, region).Monthly));
            }
            account.Mix = string.Join(", ", profiles.OrderBy(p => p.Key).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:N0}")));
            return account;
        }

        /// <summary>14 days of hourly metrics with a daily cycle, noise and a few missing hours.</summary>
        private static UtilizationSeries Hourly(Random random, string id, DateTimeOffset start, Profile profile)
        {
            var series = new UtilizationSeries(id, start, UtilizationSeries.WindowHours);
            var (level, swing) = profile switch
            {
                Profile.Idle => (0.4 + random.NextDouble(), 0.5),
                Profile.Light => (2 + random.NextDouble() * 20, 2 + random.NextDouble() * 8),
                Profile.Moderate => (35 + random.NextDouble() * 25, 5 + random.NextDouble() * 10),
                Profile.Hot => (78 + random.NextDouble() * 12, 5 + random.NextDouble() * 5),
                _ => (10 + random.NextDouble() * 30, 5.0),
            };
            var firstHour = profile == Profile.FewPoints ? UtilizationSeries.WindowHours - random.Next(10, 72) : 0;
            var bytesPerHour = profile == Profile.Idle ? 20_000 + random.NextDouble() * 150_000 : 5e6 + random.NextDouble() * 2e9;
            for (var h = firstHour; h < series.Hours; h++)
            {
                if (random.Next(100) == 0)
                {
                    continue; // an hour CloudWatch has no point for
                }
                var average = Math.Clamp(level + swing * Math.Sin(h * Math.PI / 12) + (random.NextDouble() - 0.5) * swing, 0.05, 100);
                series.CpuAverage[h] = (float)average;
                series.CpuMaximum[h] = (float)Math.Min(100, profile == Profile.Idle ? Math.Min(4.9, average * 2) : average * (1.2 + random.NextDouble()));
                series.NetworkIn[h] = (float)(bytesPerHour * (0.5 + random.NextDouble()));
                series.NetworkOut[h] = (float)(bytesPerHour * random.NextDouble());
            }
            return series;
        }

        private static T Pick<T>(Random random, (T Item, int Weight)[] choices)
        {
            var roll = random.Next(choices.Sum(c => c.Weight));
            foreach (var (item, weight) in choices)
            {
                if (roll < weight)
                {
                    return item;
                }
                roll -= weight;
            }
            throw new InvalidOperationException("unreachable: the roll is below the sum of the weights");
        }
    }
}
