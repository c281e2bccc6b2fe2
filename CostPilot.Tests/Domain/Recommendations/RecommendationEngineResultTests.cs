using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using static CostPilot.Tests.Domain.Recommendations.EngineFixture;

namespace CostPilot.Tests.Domain.Recommendations;

/// <summary>The result as a whole: its order, its totals, and that the same fleet always gives the same answer.</summary>
public sealed class RecommendationEngineResultTests
{
    /// <summary>A small account with one of each kind; the savings are worked out in the other test classes.</summary>
    private static Fleet Account()
    {
        FleetInstance[] instances =
        [
            Running("i-rightsize", "m5.xlarge", 140.16m),              // → m5.large, saves $70.08
            Running("i-idle", "t3.micro", 7.59m),                      // stop, saves $7.59
            Running("i-idle-unknown", "t3.micro", null, platform: "suse"), // stop, price unknown
            Running("i-graviton", "m5.large", 70.08m),                 // → m6g.large, saves $13.87
            Running("i-modernize", "c4.large", 140.16m, platform: "windows"), // → c5.large, saves $10.95
            Running("i-hot", "m5.large", 70.08m),                      // finding
            Running("i-new", "m5.large", 70.08m),                      // finding
            Stopped("i-stopped", "m5.large", Now.AddDays(-60)),        // its volume: saves $8.00
        ];
        var utilization = new Dictionary<string, UtilizationSummary>
        {
            ["i-rightsize"] = Busy(12),
            ["i-idle"] = Quiet(1, 1000),
            ["i-idle-unknown"] = Quiet(1, 1000),
            ["i-graviton"] = Busy(55),
            ["i-modernize"] = Busy(55),
            ["i-hot"] = Busy(95),
        };
        FleetVolume[] volumes =
        [
            new("vol-stopped", null, Region, "gp3", 100, 3000, 125, "i-stopped", 8.00m),
            new("vol-unattached", null, Region, "gp2", 100, null, null, null, 10.00m),
            new("vol-unattached-b", null, Region, "gp2", 100, null, null, null, 10.00m),
            new("vol-gp2", null, Region, "gp2", 100, null, null, "i-graviton", 10.00m),      // saves $1.88
            new("vol-unknown", null, "xx-nowhere-1", "gp2", 100, null, null, null, null),
        ];
        FleetAddress[] addresses = [new("eipalloc-1", "203.0.113.10", null, Region, null, 3.65m)];
        return FleetOf(instances, utilization, volumes, addresses);
    }

    [Fact]
    public void Evaluate_Account_LargestSavingFirstUnknownLastTiesById()
    {
        var result = RealEngine().Evaluate(Account());

        Assert.Equal(
        [
            ("i-rightsize", (decimal?)70.08m),
            ("i-graviton", 13.87m),
            ("i-modernize", 10.95m),
            ("vol-unattached", 10.00m),
            ("vol-unattached-b", 10.00m),
            ("i-stopped", 8.00m),
            ("i-idle", 7.59m),
            ("eipalloc-1", 3.65m),
            ("vol-gp2", 1.88m),
            ("i-idle-unknown", null),
            ("vol-unknown", null),
        ], result.Recommendations.Select(r => (r.ResourceId, r.MonthlySaving)));
        Assert.Equal(["i-hot", "i-new"], result.Findings.Select(f => f.InstanceId));
    }

    [Fact]
    public void Evaluate_Account_TotalsAreTheSumOfTheRowsShown()
    {
        var result = RealEngine().Evaluate(Account());

        // 70.08 + 13.87 + 10.95 + 10.00 + 10.00 + 8.00 + 7.59 + 3.65 + 1.88
        Assert.Equal(136.02m, result.TotalMonthlySaving);
        Assert.Equal(result.Recommendations.Sum(r => r.MonthlySaving ?? 0m), result.TotalMonthlySaving);
        Assert.Equal(20.00m, result.SavingByKind[RecommendationKind.UnattachedVolume]);
        Assert.Equal(7.59m, result.SavingByKind[RecommendationKind.Idle]);
        Assert.All(result.Recommendations, r => Assert.Equal(r.MonthlySaving, r.MonthlyCostBefore - r.MonthlyCostAfter));
        Assert.All(result.Recommendations.Where(r => r.MonthlySaving is { } s), r => Assert.Equal(Costs.ToCents(r.MonthlySaving!.Value), r.MonthlySaving));
    }

    [Fact]
    public void Evaluate_ShuffledInput_SameAnswer()
    {
        var fleet = Account();
        var random = new Random(7);
        var shuffled = fleet with
        {
            Instances = [.. fleet.Instances.OrderBy(_ => random.Next())],
            Volumes = [.. fleet.Volumes.OrderBy(_ => random.Next())],
        };
        var engine = RealEngine();

        var first = engine.Evaluate(fleet);
        var second = engine.Evaluate(shuffled);

        Assert.Equal(first.Recommendations, second.Recommendations);
        Assert.Equal(first.Findings, second.Findings);
    }

    [Fact]
    public void Evaluate_AtMostOneComputeRecommendationPerInstance()
    {
        var types = new[] { "t2.micro", "t2.medium", "m5.xlarge", "m5.4xlarge", "m4.xlarge", "c4.large", "r5.2xlarge", "t3.xlarge", "m3.large", "c5.large" };
        var instances = types.SelectMany(t => new[] { 3.0, 12, 25, 38, 55, 79 }.Select(p => (Instance: Running($"i-{t}-{p}", t, 1m), P95: p))).ToList();
        var fleet = FleetOf(instances.Select(i => i.Instance), instances.ToDictionary(i => i.Instance.InstanceId, i => Busy(i.P95)));

        var result = RealEngine(new RecommendationSettings { MaxRisk = RecommendationRisk.High }).Evaluate(fleet);

        Assert.All(result.Recommendations.GroupBy(r => r.ResourceId), g => Assert.Single(g));
        Assert.True(result.Recommendations.Count > instances.Count / 2);
    }

    [Fact]
    public void Evaluate_EmptyFleet_Nothing()
    {
        var result = RealEngine().Evaluate(FleetOf());

        Assert.Equal((0, 0, 0m), (result.Recommendations.Count, result.Findings.Count, result.TotalMonthlySaving));
    }

    [Fact]
    public void Slug_EveryKind_RoundTrips()
    {
        Assert.All(RecommendationKinds.All, k => Assert.Equal(k, RecommendationKinds.FromSlug(k.Slug())));
        Assert.Null(RecommendationKinds.FromSlug("nope"));
    }
}
