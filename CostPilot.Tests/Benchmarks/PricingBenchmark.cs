using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing;
using Xunit.Abstractions;

namespace CostPilot.Tests.Benchmarks;

/// <summary>
/// Pricing a fleet of 10,000 instances and 12,000 volumes with <see cref="Costs"/> against the shipped snapshot catalog, next to
/// the floor of the same catalog lookups without the rules and arithmetic; also the snapshot's load time and memory, and the
/// stored form's size. Not part of the normal run; run it with <c>./costpilot.sh benchmark pricing</c>. Prints numbers; asserts
/// only that the costs are right and the same on every run.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class PricingBenchmark(ITestOutputHelper output)
{
    private const int InstanceCount = 10_000;
    private const int VolumeCount = 12_000;
    private const int WarmUpRuns = 50;
    private const int Runs = 31;
    private const int LoadRuns = 5;

    internal static readonly (string Region, int Weight)[] Regions =
        [("us-east-1", 40), ("us-west-2", 20), ("eu-west-1", 14), ("eu-central-1", 10), ("ap-southeast-2", 8), ("ap-northeast-1", 6), ("sa-east-1", 2)];

    // A realistic mix: old and new generations, burstable, Graviton (…g) and x86, a few GPU and storage types.
    internal static readonly (string Family, string[] Sizes, int Weight)[] Families =
    [
        ("t2", ["micro", "small", "medium", "large"], 6),
        ("t3", ["nano", "micro", "small", "medium", "large", "xlarge"], 12),
        ("t3a", ["small", "medium", "large"], 4),
        ("t4g", ["micro", "small", "medium", "large"], 6),
        ("m4", ["large", "xlarge", "2xlarge"], 3),
        ("m5", ["large", "xlarge", "2xlarge", "4xlarge", "12xlarge"], 12),
        ("m6i", ["large", "xlarge", "2xlarge", "8xlarge"], 7),
        ("m6g", ["large", "xlarge", "2xlarge"], 5),
        ("m7i", ["large", "xlarge", "2xlarge"], 4),
        ("m7g", ["large", "xlarge", "4xlarge"], 3),
        ("c4", ["large", "xlarge"], 2),
        ("c5", ["large", "xlarge", "2xlarge", "4xlarge", "9xlarge"], 8),
        ("c6g", ["large", "xlarge", "2xlarge"], 4),
        ("c7i", ["large", "xlarge", "2xlarge"], 3),
        ("r5", ["large", "xlarge", "2xlarge", "4xlarge"], 6),
        ("r6i", ["large", "xlarge", "2xlarge"], 3),
        ("r6g", ["large", "xlarge"], 3),
        ("i3", ["large", "xlarge", "2xlarge"], 2),
        ("d3", ["xlarge", "2xlarge"], 1),
        ("g4dn", ["xlarge", "2xlarge"], 1),
        ("g5", ["xlarge", "4xlarge"], 1),
        ("p3", ["2xlarge"], 1),
    ];

    private static readonly (string Type, int Weight)[] VolumeTypes =
        [("gp3", 50), ("gp2", 25), ("io1", 6), ("io2", 6), ("st1", 5), ("sc1", 4), ("standard", 4)];

    [Fact]
    public void Costs_10000InstancesAnd12000Volumes_PrintsTimingsAndMemory()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();

        // The snapshot: first load (cold: JIT, resource decompression), then warm loads; memory is the heap the catalog keeps.
        var heapBefore = HeapAfterFullCollection();
        var clock = Stopwatch.StartNew();
        var catalog = SnapshotPriceCatalog.Load();
        var firstLoadMs = clock.Elapsed.TotalMilliseconds;
        var catalogBytes = HeapAfterFullCollection() - heapBefore;
        var warmLoads = Repeat(() => SnapshotPriceCatalog.Load().ComputePriceCount);
        heapBefore = HeapAfterFullCollection();
        clock.Restart();
        var types = InstanceTypeCatalog.Load();
        var typesLoadMs = clock.Elapsed.TotalMilliseconds;
        var typesBytes = HeapAfterFullCollection() - heapBefore;

        // The stored form of the same catalog.
        var encoded = PriceCatalogCodec.Encode(catalog);
        var encodeTimes = Repeat(() => PriceCatalogCodec.Encode(catalog).Length);
        var decodeTimes = Repeat(() => PriceCatalogCodec.Decode(encoded).ComputePriceCount);

        var fleet = Fleet.Build(catalog, types);
        var expected = fleet.Expected(catalog);

        // Warm-up until tiered compilation has settled on optimized code, then interleaved runs so a busy machine slows both alike.
        for (var i = 0; i < WarmUpRuns; i++)
        {
            Assert.Equal(expected, Price(catalog, fleet));
            Floor(catalog, fleet);
        }
        var priced = new List<Run>();
        var floor = new List<Run>();
        for (var i = 0; i < Runs; i++)
        {
            priced.Add(Measure(() => Price(catalog, fleet), out var result));
            Assert.Equal(expected, result);
            floor.Add(Measure(() => Floor(catalog, fleet), out var hits));
            Assert.Equal(fleet.FloorHits, hits);
        }

        // Spot checks against the published prices: the first instance and volume of the fleet are fixed.
        Assert.Equal(70.08m, Costs.Instance(catalog, "us-east-1", fleet.Instances[0].Type, "linux", "default", "on-demand", true, null).Monthly);
        Assert.Equal(28.00m, Costs.Volume(catalog, "us-east-1", "gp3", 100, 6000, 250).Monthly);

        var pricedTimes = priced.Select(r => r.Ms).Order().ToList();
        var floorTimes = floor.Select(r => r.Ms).Order().ToList();
        text.AppendLine(c, $"==================== PRICING BENCHMARK ====================");
        text.AppendLine(c, $"{InstanceCount:N0} instances + {VolumeCount:N0} volumes over {Regions.Length} regions against the shipped snapshot; {Environment.ProcessorCount} cores; {BenchmarkText.Build}.");
        text.AppendLine(c, $"Mix: {fleet.Mix}");
        text.AppendLine();
        text.AppendLine(c, $"  snapshot load (3 price CSVs -> PriceCatalogData, {catalog.ComputePriceCount:N0} compute prices, {catalog.EbsRates.Count()} EBS rates, {catalog.PublicIpv4Rates.Count()} IPv4 rates)");
        text.AppendLine(c, $"      first  {firstLoadMs:F1} ms (cold: JIT included)");
        text.AppendLine(c, $"      again  {Describe(warmLoads)}");
        text.AppendLine(c, $"      catalog memory (GC heap delta) {BenchmarkText.Mb(catalogBytes)}");
        text.AppendLine(c, $"  instance types load ({types.Count:N0} types) {typesLoadMs:F1} ms (cold), memory {BenchmarkText.Mb(typesBytes)}");
        text.AppendLine(c, $"  stored form (PriceCatalogCodec v{PriceCatalogCodec.Version}): {encoded.Length / 1024.0:F0} KB");
        text.AppendLine(c, $"      encode {Describe(encodeTimes)}");
        text.AppendLine(c, $"      decode {Describe(decodeTimes)}");
        text.AppendLine();
        text.AppendLine(c, $"  (b) Costs.Instance + Costs.Volume for the whole fleet (lookup + rules + arithmetic + total)");
        text.AppendLine(c, $"      {Describe(priced)}");
        text.AppendLine(c, $"  (a) floor: the same catalog lookups, no rules, no arithmetic");
        text.AppendLine(c, $"      {Describe(floor)}");
        text.AppendLine(c, $"  ratio b/a: medians {Median(pricedTimes) / Median(floorTimes):F2}, minimums {pricedTimes[0] / floorTimes[0]:F2}; per item {pricedTimes[0] * 1_000_000 / (InstanceCount + VolumeCount):F0} ns at the minimum (target: the fleet under 5 ms)");
        text.AppendLine(c, $"  result: instances {expected.InstanceTotal:N2} USD/month ({expected.UnknownInstances} unknown), volumes {expected.VolumeTotal:N2} USD/month ({expected.UnknownVolumes} unknown)");
        text.Append("===========================================================");
        output.WriteLine(text.ToString());
        Console.WriteLine(text.ToString());
    }

    /// <summary>Every line item priced by the cost rules and summed, as a cost page would.</summary>
    [SuppressMessage("Performance", "CA1859", Justification = "The app prices through the IPriceCatalog port, so the benchmark does too.")]
    private static FleetCost Price(IPriceCatalog catalog, Fleet fleet)
    {
        decimal instances = 0m, volumes = 0m;
        int unknownInstances = 0, unknownVolumes = 0;
        foreach (var i in fleet.Instances)
        {
            var cost = Costs.Instance(catalog, i.Region, i.Type, i.Platform, i.Tenancy, i.Lifecycle, i.Running, i.SpotHourly);
            if (cost.Monthly is { } monthly)
            {
                instances += monthly;
            }
            else
            {
                unknownInstances++;
            }
        }
        foreach (var v in fleet.Volumes)
        {
            if (Costs.Volume(catalog, v.Region, v.VolumeType, v.SizeGiB, v.Iops, v.ThroughputMiBps).Monthly is { } monthly)
            {
                volumes += monthly;
            }
            else
            {
                unknownVolumes++;
            }
        }
        return new FleetCost(instances, unknownInstances, volumes, unknownVolumes);
    }

    /// <summary>The floor: one catalog lookup per instance (OS and tenancy already known) and per volume, counting the hits.</summary>
    [SuppressMessage("Performance", "CA1859", Justification = "Through the port, like Costs: the floor must not gain from devirtualized calls.")]
    private static int Floor(IPriceCatalog catalog, Fleet fleet)
    {
        var hits = 0;
        foreach (var i in fleet.Instances)
        {
            if (catalog.InstanceHourly(i.Region, i.Type, i.Os, i.SharedTenancy) is not null)
            {
                hits++;
            }
        }
        foreach (var v in fleet.Volumes)
        {
            if (catalog.Ebs(v.Region, v.VolumeType) is not null)
            {
                hits++;
            }
        }
        return hits;
    }

    /// <summary>Wall time, this process's CPU time (less sensitive to a busy machine) and bytes allocated by this thread.</summary>
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

    private static List<Run> Repeat(Func<int> action) => [.. Enumerable.Range(0, LoadRuns).Select(_ =>
    {
        var run = Measure(action, out var count);
        Assert.True(count > 0);
        return run;
    })];

    private static long HeapAfterFullCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static double Median(List<double> sorted) => sorted[sorted.Count / 2];

    /// <summary>Wall-time median, min and max; the CPU-time median (this process, so a busy machine shows less); bytes allocated per run.</summary>
    private static string Describe(List<Run> runs)
    {
        var wall = runs.Select(r => r.Ms).Order().ToList();
        var cpu = runs.Select(r => r.CpuMs).Order().ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"median {Median(wall),7:F2} ms (min {wall[0]:F2}, max {wall[^1]:F2}, n={wall.Count})   cpu median {Median(cpu),7:F2} ms   alloc {runs.Average(r => r.Allocated),10:N0} B/run");
    }



    private readonly record struct Run(double Ms, double CpuMs, long Allocated);

    private readonly record struct FleetCost(decimal InstanceTotal, int UnknownInstances, decimal VolumeTotal, int UnknownVolumes);

    private sealed record InstanceRow(string Region, string Type, string Platform, string? Tenancy, string Lifecycle, bool Running, decimal? SpotHourly,
        InstanceOs Os, Tenancy SharedTenancy);

    private sealed record VolumeRow(string Region, string VolumeType, int SizeGiB, int? Iops, int? ThroughputMiBps);

    /// <summary>A deterministic fleet. Every string is its own instance, as rows read from the database are (no reference-equality shortcuts).</summary>
    private sealed class Fleet(List<InstanceRow> instances, List<VolumeRow> volumes, int floorHits, string description)
    {
        public List<InstanceRow> Instances { get; } = instances;
        public List<VolumeRow> Volumes { get; } = volumes;
        public int FloorHits { get; } = floorHits;

        public string Mix { get; } = description;

        public static Fleet Build(PriceCatalogData catalog, InstanceTypeCatalog types)
        {
            var random = new Random(20_261_130);
            var instances = new List<InstanceRow>(InstanceCount)
            {
                new(Copy("us-east-1"), Copy("m5.large"), "linux", "default", "on-demand", true, null, InstanceOs.Linux, Tenancy.Shared),
            };
            while (instances.Count < InstanceCount)
            {
                var region = Copy(Pick(random, Regions));
                var family = Pick(random, Families.Select(f => (f, f.Weight)).ToArray());
                var type = string.Concat(family.Family, ".", family.Sizes[random.Next(family.Sizes.Length)]);
                var arm = types.Find(type)?.Architecture == CpuArchitecture.Arm64;
                var roll = random.Next(1000);
                var platform = roll < 10 ? "red hat enterprise linux" : !arm && roll < 130 ? "windows" : "linux";
                var tenancy = random.Next(1000) switch { < 5 => "dedicated", < 20 => null, _ => "default" };
                var lifecycle = random.Next(100) < 8 ? "spot" : "on-demand";
                decimal? spot = lifecycle == "spot" && random.Next(20) > 0
                    ? Math.Round((catalog.InstanceHourly(region, type, InstanceOs.Linux, Tenancy.Shared) ?? 0.1m) * (0.25m + random.Next(50) / 100m), 4)
                    : null;
                instances.Add(new InstanceRow(region, type, platform, tenancy, lifecycle, random.Next(100) < 85, spot,
                    platform == "windows" ? InstanceOs.Windows : InstanceOs.Linux, Tenancy.Shared));
            }

            var volumes = new List<VolumeRow>(VolumeCount) { new(Copy("us-east-1"), Copy("gp3"), 100, 6000, 250) };
            while (volumes.Count < VolumeCount)
            {
                var region = Copy(Pick(random, Regions));
                var volumeType = Copy(Pick(random, VolumeTypes));
                volumes.Add(volumeType switch
                {
                    "gp3" => new VolumeRow(region, volumeType, random.Next(8, 1000), random.Next(10) < 7 ? 3000 : random.Next(3000, 16_001),
                        random.Next(10) < 7 ? 125 : random.Next(125, 1001)),
                    "gp2" => new VolumeRow(region, volumeType, random.Next(8, 1000), null, null),
                    "io1" => new VolumeRow(region, volumeType, random.Next(4, 2000), random.Next(100, 64_001), null),
                    "io2" => new VolumeRow(region, volumeType, random.Next(4, 2000), random.Next(10) == 0 ? random.Next(64_001, 256_001) : random.Next(100, 64_001), null),
                    "st1" or "sc1" => new VolumeRow(region, volumeType, random.Next(125, 16_000), null, null),
                    _ => new VolumeRow(region, volumeType, random.Next(1, 1000), null, null),
                });
            }

            var floorHits = instances.Count(i => catalog.InstanceHourly(i.Region, i.Type, i.Os, i.SharedTenancy) is not null)
                + volumes.Count(v => catalog.Ebs(v.Region, v.VolumeType) is not null);
            var windows = instances.Count(i => i.Platform == "windows");
            var c = CultureInfo.InvariantCulture;
            var description = string.Create(c, $"{instances.Select(i => i.Type).Distinct().Count()} instance types, {windows} Windows, ")
                + string.Create(c, $"{instances.Count(i => i.Lifecycle == "spot")} spot, {instances.Count(i => !i.Running)} stopped, ")
                + string.Create(c, $"{instances.Count(i => i.Tenancy == "dedicated")} dedicated, {instances.Count(i => i.Platform == "red hat enterprise linux")} other OS; ")
                + "volumes " + string.Join(", ", volumes.GroupBy(v => v.VolumeType).OrderByDescending(g => g.Count()).Select(g => string.Create(c, $"{g.Key} {g.Count()}")));
            return new Fleet(instances, volumes, floorHits, description);
        }

        /// <summary>What the fleet costs, worked out line by line from the catalog's rates here, independently of <see cref="Costs"/>.</summary>
        public FleetCost Expected(PriceCatalogData catalog)
        {
            decimal instanceTotal = 0m, volumeTotal = 0m;
            int unknownInstances = 0, unknownVolumes = 0;
            foreach (var i in Instances)
            {
                decimal? hourly = !i.Running ? 0m
                    : i.Lifecycle == "spot" ? i.SpotHourly
                    : i.Platform is "linux" or "windows" && i.Tenancy is null or "default" ? catalog.InstanceHourly(i.Region, i.Type, i.Os, Tenancy.Shared)
                    : null;
                if (hourly is { } h)
                {
                    instanceTotal += Math.Round(h * 730m, 2, MidpointRounding.AwayFromZero);
                }
                else
                {
                    unknownInstances++;
                }
            }
            foreach (var v in Volumes)
            {
                if (catalog.Ebs(v.Region, v.VolumeType) is not { } rate)
                {
                    unknownVolumes++;
                    continue;
                }
                var iops = v.Iops ?? 0;
                var monthly = v.SizeGiB * rate.PerGbMonth + v.VolumeType switch
                {
                    "gp3" => Math.Max(0, iops - 3000) * rate.PerIopsMonth!.Value + Math.Max(0, (v.ThroughputMiBps ?? 0) - 125) * rate.PerMiBpsMonth!.Value,
                    "io1" => iops * rate.PerIopsMonth!.Value,
                    "io2" => Math.Min(iops, 32_000) * rate.PerIopsMonth!.Value + Math.Clamp(iops - 32_000, 0, 32_000) * rate.PerIopsMonthTier2!.Value
                        + Math.Max(0, iops - 64_000) * rate.PerIopsMonthTier3!.Value,
                    _ => 0m,
                };
                volumeTotal += Math.Round(monthly, 2, MidpointRounding.AwayFromZero);
            }
            return new FleetCost(instanceTotal, unknownInstances, volumeTotal, unknownVolumes);
        }

        private static string Copy(string text) => new(text.AsSpan());

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
