using System.Globalization;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Pricing;

namespace CostPilot.Tests.Domain.Recommendations;

/// <summary>Fleets, summaries and catalogs for the engine tests: the shipped (real) catalogs, and small hand-built ones for edges.</summary>
internal static class EngineFixture
{
    public const string Region = "us-east-1";

    public static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Busy enough never to be idle (maximum 90 %, 1 GB a day), with a full 14 days of points.</summary>
    public static UtilizationSummary Busy(double p95) => new(UtilizationSeries.WindowHours, p95, 90, 1e9);

    public static UtilizationSummary Quiet(double maxCpu, double? networkBytesPerDay) =>
        new(UtilizationSeries.WindowHours, Math.Min(maxCpu, 1), maxCpu, networkBytesPerDay);

    public static RecommendationEngine RealEngine(RecommendationSettings? settings = null) =>
        new(SnapshotPriceCatalog.Default, InstanceTypeCatalog.Default, settings ?? new RecommendationSettings());

    public static FleetInstance Running(string id, string type, decimal? monthlyUsd, string platform = "linux", string lifecycle = "on-demand",
        string tenancy = "default", string region = Region, string? name = null) =>
        new(id, name, region, type, InstanceState.Running, platform, "x86_64", tenancy, lifecycle, monthlyUsd, Now.AddDays(-100));

    public static FleetInstance Stopped(string id, string type, DateTimeOffset? since) =>
        new(id, null, Region, type, InstanceState.Stopped, "linux", "x86_64", "default", "on-demand", 0m, since);

    public static Fleet FleetOf(IEnumerable<FleetInstance>? instances = null, IDictionary<string, UtilizationSummary>? utilization = null,
        IEnumerable<FleetVolume>? volumes = null, IEnumerable<FleetAddress>? addresses = null, string? problem = null) =>
        new([.. instances ?? []], [.. volumes ?? []], [.. addresses ?? []],
            new Dictionary<string, UtilizationSummary>(utilization ?? new Dictionary<string, UtilizationSummary>(), StringComparer.Ordinal),
            problem, Now);

    /// <summary>One running instance with its summary, evaluated.</summary>
    public static RecommendationResult EvaluateOne(RecommendationEngine engine, FleetInstance instance, UtilizationSummary summary) =>
        engine.Evaluate(FleetOf([instance], new Dictionary<string, UtilizationSummary> { [instance.InstanceId] = summary }));

    public static decimal Usd(string text) => decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    public static PriceCatalogInfo TestInfo => new("test", Now, null);

    /// <summary>A hand-built type catalog.</summary>
    public sealed class Types(params InstanceTypeFacts[] facts) : IInstanceTypeCatalog
    {
        private readonly Dictionary<string, InstanceTypeFacts> _byType = facts.ToDictionary(f => f.InstanceType, StringComparer.Ordinal);

        public IEnumerable<InstanceTypeFacts> All => _byType.Values;

        public InstanceTypeFacts? Find(string instanceType) => _byType.GetValueOrDefault(instanceType);
    }

    public static InstanceTypeFacts Facts(string type, int vcpus, decimal memoryGiB, CpuArchitecture architecture = CpuArchitecture.X64,
        bool? currentGeneration = true)
    {
        var dot = type.IndexOf('.', StringComparison.Ordinal);
        return new InstanceTypeFacts(type, type[..dot], type[(dot + 1)..], vcpus, memoryGiB, architecture, currentGeneration);
    }

    /// <summary>The m5 family as AWS sells it in us-east-1 (Linux), without Graviton or newer generations to compete.</summary>
    public static (IInstanceTypeCatalog Types, PriceCatalogData Prices) M5Only()
    {
        var types = new Types(
            Facts("m5.large", 2, 8), Facts("m5.xlarge", 4, 16), Facts("m5.2xlarge", 8, 32), Facts("m5.4xlarge", 16, 64),
            Facts("m5.12xlarge", 48, 192), Facts("m5.16xlarge", 64, 256));
        var prices = new PriceCatalogBuilder()
            .AddCompute(Region, "m5.large", InstanceOs.Linux, 0.096m)
            .AddCompute(Region, "m5.xlarge", InstanceOs.Linux, 0.192m)
            .AddCompute(Region, "m5.2xlarge", InstanceOs.Linux, 0.384m)
            .AddCompute(Region, "m5.4xlarge", InstanceOs.Linux, 0.768m)
            .AddCompute(Region, "m5.12xlarge", InstanceOs.Linux, 2.304m)
            .AddCompute(Region, "m5.16xlarge", InstanceOs.Linux, 3.072m)
            .Build(TestInfo);
        return (types, prices);
    }
}
