using System.Globalization;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using static CostPilot.Tests.Domain.Recommendations.EngineFixture;

namespace CostPilot.Tests.Domain.Recommendations;

/// <summary>
/// Compute advice for running instances. Expected money is worked out by hand from /work/shared/data (us-east-1 on-demand,
/// hourly × 730, rounded to the cent): m5.xlarge 0.192 → $140.16, m5.large 0.096 → $70.08, m6g.xlarge 0.154 → $112.42,
/// m6g.large 0.077 → $56.21, t2.micro 0.0116 → $8.47, t3.micro 0.0104 → $7.59, t4g.micro 0.0084 → $6.13, and so on.
/// </summary>
public sealed class RecommendationEngineComputeTests
{
    private static readonly string[] NotRunningStates = ["pending", "stopping", "shutting-down", "terminated"];

    [Fact]
    public void Evaluate_M5XlargeAtP95Of12_RightsizesToM5LargeWithTheDocumentedSentence()
    {
        var result = EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 140.16m, name: "web"), Busy(12));

        var r = Assert.Single(result.Recommendations);
        Assert.Equal(new Recommendation(RecommendationKind.Rightsize, ResourceKind.Instance, "i-1", Region, "web", "m5.xlarge", "m5.large",
            140.16m, 70.08m, 70.08m, RecommendationRisk.Low, "p95 CPU 12 % over 14 days; m5.xlarge → m5.large saves $70.08/month"), r);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Evaluate_GermanThreadCulture_EnglishNumbersWithThousandsSeparators()
    {
        var (types, prices) = M5Only();
        var engine = new RecommendationEngine(prices, types, new RecommendationSettings());
        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");

            // m5.16xlarge $2,242.56 at p95 1.5: m5.large projects 48 % (Medium); saves 2,242.56 − 70.08.
            var r = Assert.Single(EvaluateOne(engine, Running("i-1", "m5.16xlarge", 2242.56m), Busy(1.5)).Recommendations);

            Assert.Equal("p95 CPU 1.5 % over 14 days; m5.16xlarge → m5.large saves $2,172.48/month", r.Reason);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    // ---- Idle ----

    [Theory]
    [InlineData(4.99, 4_999_999.0, true)]
    [InlineData(5.0, 1_000.0, false)]
    [InlineData(0.5, 5_000_000.0, false)]
    [InlineData(0.5, 4_999_999.0, true)]
    [InlineData(0.0, 0.0, true)]
    public void Evaluate_IdleThresholds_StopOnlyBelowBoth(double maxCpu, double networkBytesPerDay, bool idle)
    {
        var result = EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 140.16m), Quiet(maxCpu, networkBytesPerDay));

        Assert.Equal(idle, result.Recommendations.Any(r => r.Kind == RecommendationKind.Idle));
        // Below 5 % it is never hot, and not idle means the low p95 rightsizes instead.
        Assert.Single(result.Recommendations);
    }

    [Fact]
    public void Evaluate_IdleAtTheEdge_SaysTheNumbersWithoutRoundingOntoTheThreshold()
    {
        var result = EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 140.16m), Quiet(4.99, 4_999_999));

        var r = Assert.Single(result.Recommendations);
        Assert.Equal(new Recommendation(RecommendationKind.Idle, ResourceKind.Instance, "i-1", Region, null, "m5.xlarge · running", "stopped",
            140.16m, 0m, 140.16m, RecommendationRisk.Low,
            "max CPU 4.99 % and network 4.999 MB/day over 14 days; stopping it saves $140.16/month"), r);
    }

    [Fact]
    public void Evaluate_IdleWithRoundNumbers_SaysThemPlainly()
    {
        var r = Assert.Single(EvaluateOne(RealEngine(), Running("i-1", "t3.micro", 7.59m), Quiet(2.1, 1_230_000)).Recommendations);

        Assert.Equal("max CPU 2.1 % and network 1.2 MB/day over 14 days; stopping it saves $7.59/month", r.Reason);
    }

    [Fact]
    public void Evaluate_UnknownNetwork_IsNotIdle()
    {
        var result = EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 140.16m), Quiet(0.5, null));

        Assert.DoesNotContain(result.Recommendations, r => r.Kind == RecommendationKind.Idle);
    }

    [Fact]
    public void Evaluate_IdleWithUnknownCost_ClaimsNoSaving()
    {
        var r = Assert.Single(EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", null, platform: "red hat enterprise linux"), Quiet(1, 1000)).Recommendations);

        Assert.Equal(RecommendationKind.Idle, r.Kind);
        Assert.Null(r.MonthlyCostBefore);
        Assert.Null(r.MonthlySaving);
        Assert.Equal("max CPU 1.0 % and network 0.0 MB/day over 14 days; stopping it saves its compute cost (price unknown)", r.Reason);
        Assert.DoesNotContain("$0", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_IdleSpotInstance_SavesItsStoredSpotCost()
    {
        var r = Assert.Single(EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 42.05m, lifecycle: "spot"), Quiet(1, 1000)).Recommendations);

        Assert.Equal((RecommendationKind.Idle, 42.05m, 0m, (decimal?)42.05m), (r.Kind, r.MonthlyCostBefore, r.MonthlyCostAfter, r.MonthlySaving));
    }

    // ---- Hot ----

    [Theory]
    [InlineData(91.0, "p95 CPU 91 % over 14 days: consider a larger size")]
    [InlineData(80.01, "p95 CPU 80.01 % over 14 days: consider a larger size")]
    [InlineData(80.4, "p95 CPU 80.4 % over 14 days: consider a larger size")]
    public void Evaluate_HotInstance_FlaggedWithoutAdvice(double p95, string message)
    {
        // t2.micro would otherwise get Graviton or modernize advice.
        var result = EvaluateOne(RealEngine(), Running("i-1", "t2.micro", 8.47m), Busy(p95));

        Assert.Empty(result.Recommendations);
        Assert.Equal(new InstanceFinding("i-1", InstanceFindingKind.UnderProvisioned, message), Assert.Single(result.Findings));
    }

    [Fact]
    public void Evaluate_P95Exactly80_IsNotHot()
    {
        var result = EvaluateOne(RealEngine(), Running("i-1", "t2.micro", 8.47m), Busy(80));

        Assert.Empty(result.Findings);
        Assert.Equal(RecommendationKind.Graviton, Assert.Single(result.Recommendations).Kind);
    }

    // ---- Not enough data ----

    [Theory]
    [InlineData(71, false)]
    [InlineData(72, true)]
    [InlineData(336, true)]
    public void Evaluate_HourlyPoints_AdviceFrom72(int points, bool advised)
    {
        var result = EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 140.16m), new UtilizationSummary(points, 12, 90, 1e9));

        Assert.Equal(advised, result.Recommendations.Count == 1);
        Assert.Equal(advised, result.Findings.Count == 0);
    }

    [Fact]
    public void Evaluate_FewPoints_SaysHowMany()
    {
        var result = EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 140.16m), new UtilizationSummary(41, 12, 90, 1e9));

        Assert.Equal(new InstanceFinding("i-1", InstanceFindingKind.NotEnoughData, "41 of the 72 hourly points needed"), Assert.Single(result.Findings));
    }

    [Fact]
    public void Evaluate_NoData_SaysNewInstanceOrMonitoringOff()
    {
        var fleet = FleetOf([Running("i-1", "m5.xlarge", 140.16m), Running("i-2", "m5.xlarge", 140.16m)],
            new Dictionary<string, UtilizationSummary> { ["i-2"] = UtilizationSummary.NoData });

        var result = RealEngine().Evaluate(fleet);

        Assert.Empty(result.Recommendations);
        Assert.Equal(
            [
                new InstanceFinding("i-1", InstanceFindingKind.NotEnoughData, "no CloudWatch data in the last 14 days: a new instance, or monitoring off"),
                new InstanceFinding("i-2", InstanceFindingKind.NotEnoughData, "no CloudWatch data in the last 14 days: a new instance, or monitoring off"),
            ], result.Findings);
    }

    [Fact]
    public void Evaluate_AccountProblem_IsTheMessageForInstancesWithoutData()
    {
        const string problem = "CloudWatch refused cloudwatch:GetMetricData: add it to the CostPilot role's policy";
        var fleet = FleetOf([Running("i-1", "m5.xlarge", 140.16m), Running("i-2", "m5.xlarge", 140.16m), Running("i-3", "m5.xlarge", 140.16m)],
            new Dictionary<string, UtilizationSummary> { ["i-2"] = new(41, 12, 90, 1e9), ["i-3"] = Busy(12) }, problem: problem);

        var result = RealEngine().Evaluate(fleet);

        Assert.Equal(
            [
                new InstanceFinding("i-1", InstanceFindingKind.NotEnoughData, problem),
                new InstanceFinding("i-2", InstanceFindingKind.NotEnoughData, "41 of the 72 hourly points needed"),
            ], result.Findings);
        Assert.Equal("i-3", Assert.Single(result.Recommendations).ResourceId);
    }

    [Fact]
    public void Evaluate_NotRunning_NoComputeAdviceAndNoFinding()
    {
        var instances = NotRunningStates
            .Select(s => Running("i-" + s, "m5.xlarge", 0m) with { State = new CostPilot.Domain.Inventory.InstanceState(s) })
            .Append(Stopped("i-stopped", "m5.xlarge", Now.AddDays(-3)));
        var fleet = FleetOf(instances, instances.ToDictionary(i => i.InstanceId, _ => Busy(12)));

        var result = RealEngine().Evaluate(fleet);

        Assert.Empty(result.Recommendations);
        Assert.Empty(result.Findings);
    }

    // ---- Rightsize (hand-built m5 family: no Graviton or newer generation competes) ----

    [Theory]
    // m5.4xlarge (16 vCPUs, $560.64): projected p95 = p95 × 16 / candidate vCPUs must stay under 60; the smallest such size wins.
    [InlineData("m5.4xlarge", 7.0, "m5.large", "70.08", "490.56", RecommendationRisk.Medium)]       // 7 × 16/2 = 56
    [InlineData("m5.4xlarge", 7.5, "m5.xlarge", "140.16", "420.48", RecommendationRisk.Low)]       // 7.5 × 8 = 60: not large; × 4 = 30
    [InlineData("m5.4xlarge", 5.0, "m5.large", "70.08", "490.56", RecommendationRisk.Medium)]      // exactly 40 projected: Medium
    [InlineData("m5.4xlarge", 4.9, "m5.large", "70.08", "490.56", RecommendationRisk.Low)]         // 39.2
    [InlineData("m5.xlarge", 29.99, "m5.large", "70.08", "70.08", RecommendationRisk.Medium)]      // 59.98
    [InlineData("m5.16xlarge", 39.99, "m5.12xlarge", "1681.92", "560.64", RecommendationRisk.Medium)] // 39.99 × 64/48 = 53.32
    public void Evaluate_LowP95_RightsizesToTheSmallestSizeUnderTheTarget(string type, double p95, string proposed, string after, string saving,
        RecommendationRisk risk)
    {
        var (types, prices) = M5Only();
        var engine = new RecommendationEngine(prices, types, new RecommendationSettings());
        var before = Costs.MonthlyOf(prices.InstanceHourly(Region, type, InstanceOs.Linux, Tenancy.Shared)!.Value);

        var r = Assert.Single(EvaluateOne(engine, Running("i-1", type, before), Busy(p95)).Recommendations);

        Assert.Equal((RecommendationKind.Rightsize, proposed, Usd(after), (decimal?)Usd(saving), risk),
            (r.Kind, r.Proposed, r.MonthlyCostAfter!.Value, r.MonthlySaving, r.Risk));
        Assert.Equal(r.MonthlyCostBefore - r.MonthlyCostAfter, r.MonthlySaving);
    }

    [Theory]
    [InlineData("m5.xlarge", 30.0)]    // projected exactly 60 on m5.large
    [InlineData("m5.16xlarge", 40.0)]  // p95 exactly 40: not below the rightsize threshold (m5.12xlarge would project 53.3)
    [InlineData("m5.large", 5.0)]      // the smallest size already
    public void Evaluate_AtTheThresholds_NoRightsize(string type, double p95)
    {
        var (types, prices) = M5Only();
        var engine = new RecommendationEngine(prices, types, new RecommendationSettings());

        Assert.Empty(EvaluateOne(engine, Running("i-1", type, 1m), Busy(p95)).Recommendations);
    }

    [Fact]
    public void Evaluate_MaxRiskLow_RightsizesOnlyAsFarAsALowRisk()
    {
        var (types, prices) = M5Only();
        var engine = new RecommendationEngine(prices, types, new RecommendationSettings { MaxRisk = RecommendationRisk.Low });

        // p95 7 on 16 vCPUs: m5.large projects 56 (Medium); m5.xlarge projects 28 (Low).
        var r = Assert.Single(EvaluateOne(engine, Running("i-1", "m5.4xlarge", 560.64m), Busy(7)).Recommendations);

        Assert.Equal(("m5.xlarge", 420.48m, RecommendationRisk.Low), (r.Proposed, r.MonthlySaving!.Value, r.Risk));
    }

    [Fact]
    public void Evaluate_SmallerSizeWithoutAPriceInTheRegion_TakesTheNextSizeUp()
    {
        var (types, _) = M5Only();
        var prices = new PriceCatalogBuilder()
            .AddCompute(Region, "m5.xlarge", InstanceOs.Linux, 0.192m)
            .AddCompute(Region, "m5.4xlarge", InstanceOs.Linux, 0.768m)
            .Build(TestInfo);
        var engine = new RecommendationEngine(prices, types, new RecommendationSettings());

        var r = Assert.Single(EvaluateOne(engine, Running("i-1", "m5.4xlarge", 560.64m), Busy(5)).Recommendations);

        Assert.Equal(("m5.xlarge", 420.48m), (r.Proposed, r.MonthlySaving!.Value));
    }

    [Fact]
    public void Evaluate_CandidateWithLessMemoryPerVCpu_IsNotASmallerSize()
    {
        var types = new EngineFixture.Types(Facts("x9.large", 2, 4), Facts("x9.xlarge", 4, 32));
        var prices = new PriceCatalogBuilder()
            .AddCompute(Region, "x9.large", InstanceOs.Linux, 0.05m)
            .AddCompute(Region, "x9.xlarge", InstanceOs.Linux, 0.4m)
            .Build(TestInfo);

        var result = EvaluateOne(new RecommendationEngine(prices, types, new RecommendationSettings()), Running("i-1", "x9.xlarge", 292m), Busy(5));

        Assert.Empty(result.Recommendations);
    }

    [Fact]
    public void Evaluate_RealT3Xlarge_RightsizesToT3LargeNotGraviton()
    {
        // t3.xlarge 0.1664 → $121.47; t3.large (2 vCPUs, 8 GiB: same 4 GiB per vCPU) 0.0832 → $60.74; t4g.xlarge 0.1344 → $98.11.
        var r = Assert.Single(EvaluateOne(RealEngine(), Running("i-1", "t3.xlarge", 121.47m), Busy(10)).Recommendations);

        Assert.Equal((RecommendationKind.Rightsize, "t3.large", 121.47m, 60.74m, 60.73m, RecommendationRisk.Low),
            (r.Kind, r.Proposed, r.MonthlyCostBefore!.Value, r.MonthlyCostAfter!.Value, r.MonthlySaving!.Value, r.Risk));
    }

    [Theory]
    [InlineData(2, null)]
    [InlineData(1, "t2.small")]
    public void Evaluate_BurstableFamily_NeverBelowTheVCpuFloor(int minBurstableVCpus, string? proposed)
    {
        // t2.medium: 2 vCPUs, 4 GiB; t2.small: 1 vCPU, 2 GiB (same memory per vCPU); p95 10 projects 20 % on t2.small.
        var types = new EngineFixture.Types(Facts("t2.small", 1, 2), Facts("t2.medium", 2, 4));
        var prices = new PriceCatalogBuilder()
            .AddCompute(Region, "t2.small", InstanceOs.Linux, 0.023m)
            .AddCompute(Region, "t2.medium", InstanceOs.Linux, 0.0464m)
            .Build(TestInfo);
        var engine = new RecommendationEngine(prices, types, new RecommendationSettings { MinBurstableVCpus = minBurstableVCpus });

        var result = EvaluateOne(engine, Running("i-1", "t2.medium", 33.87m), Busy(10));

        Assert.Equal(proposed, result.Recommendations.SingleOrDefault()?.Proposed);
    }

    [Fact]
    public void Evaluate_RealT2Medium_NotRightsizedBelowTwoVCpus()
    {
        var r = Assert.Single(EvaluateOne(RealEngine(new RecommendationSettings { MaxRisk = RecommendationRisk.Low }),
            Running("i-1", "t2.medium", 33.87m), Busy(10)).Recommendations);

        // t2.small (1 vCPU) would be cheaper still; the floor leaves the newer t3.medium (0.0416 → $30.37).
        Assert.Equal((RecommendationKind.Modernize, "t3.medium", 3.50m), (r.Kind, r.Proposed, r.MonthlySaving!.Value));
    }

    // ---- Graviton ----

    [Theory]
    // x86 type → cheapest same-size Graviton equivalent in us-east-1, hourly prices from ec2-ondemand-linux-prices.csv
    [InlineData("m5.large", "70.08", "m6g.large", "56.21")]     // m6g 0.077 < m7g 0.0816 < m8g 0.08976 < m9g 0.09784
    [InlineData("m5.xlarge", "140.16", "m6g.xlarge", "112.42")]
    [InlineData("m7i.large", "73.58", "m6g.large", "56.21")]    // m7i 0.1008
    [InlineData("m5a.large", "62.78", "m6g.large", "56.21")]    // m5a 0.086
    [InlineData("m5d.large", "82.49", "m6gd.large", "65.99")]   // m5d 0.113; m6gd 0.0904
    [InlineData("c5.large", "62.05", "c6g.large", "49.64")]     // c5 0.085; c6g 0.068
    [InlineData("r5.large", "91.98", "r6g.large", "73.58")]     // r5 0.126; r6g 0.1008
    [InlineData("t3a.micro", "6.86", "t4g.micro", "6.13")]      // t3a 0.0094; t4g 0.0084
    [InlineData("i3.large", "113.88", "i4g.large", "112.74")]   // i3 0.156 (15.25 GiB); i4g 0.15444 (16 GiB)
    public void Evaluate_X86Linux_MovesToTheCheapestGravitonEquivalent(string type, string before, string proposed, string after)
    {
        var r = Assert.Single(EvaluateOne(RealEngine(), Running("i-1", type, Usd(before)), Busy(55)).Recommendations);

        Assert.Equal((RecommendationKind.Graviton, type, proposed, Usd(before), Usd(after), Usd(before) - Usd(after), RecommendationRisk.Medium),
            (r.Kind, r.Current, r.Proposed, r.MonthlyCostBefore!.Value, r.MonthlyCostAfter!.Value, r.MonthlySaving!.Value, r.Risk));
    }

    [Fact]
    public void Evaluate_Graviton_SaysTheNumbers()
    {
        var r = Assert.Single(EvaluateOne(RealEngine(), Running("i-1", "m5.large", 70.08m), Busy(55)).Recommendations);

        Assert.Equal("p95 CPU 55 % over 14 days; m5.large → m6g.large (Graviton, needs arm64 images) saves $13.87/month", r.Reason);
    }

    [Theory]
    [InlineData("c5n.large")]   // 5.25 GiB; c6gn/c7gn/c8gn.large have 4 GiB
    [InlineData("m5zn.large")]  // no m*gzn family
    [InlineData("m6g.large")]   // already arm64
    [InlineData("m7i-flex.large")] // no Graviton flex family
    public void Evaluate_NoEquivalentGraviton_NoAdvice(string type)
    {
        Assert.Empty(EvaluateOne(RealEngine(), Running("i-1", type, 50m), Busy(55)).Recommendations);
    }

    [Theory]
    [InlineData("windows")]
    [InlineData("red hat enterprise linux")]
    public void Evaluate_NotPlainLinux_NoGraviton(string platform)
    {
        Assert.Empty(EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 274.48m, platform: platform), Busy(55)).Recommendations);
    }

    // ---- Modernize ----

    [Fact]
    public void Evaluate_PreviousGenerationWithLowRiskOnly_ModernizesToTheCheapestCurrentGeneration()
    {
        // m3.large 0.133 → $97.09; m4.large 0.1 → $73.00; m5.large 0.096 → $70.08. (Graviton m6g.large would save more, at Medium risk.)
        var engine = RealEngine(new RecommendationSettings { MaxRisk = RecommendationRisk.Low });

        var r = Assert.Single(EvaluateOne(engine, Running("i-1", "m3.large", 97.09m), Busy(55)).Recommendations);

        Assert.Equal(new Recommendation(RecommendationKind.Modernize, ResourceKind.Instance, "i-1", Region, null, "m3.large", "m5.large",
            97.09m, 70.08m, 27.01m, RecommendationRisk.Low, "m3.large is a previous-generation type; m3.large → m5.large saves $27.01/month"), r);
    }

    [Fact]
    public void Evaluate_CurrentGenerationWithACheaperNewerGeneration_Modernizes()
    {
        // Windows (no Graviton): c4.large 0.192 → $140.16; c5.large 0.177 → $129.21.
        var r = Assert.Single(EvaluateOne(RealEngine(), Running("i-1", "c4.large", 140.16m, platform: "windows"), Busy(55)).Recommendations);

        Assert.Equal((RecommendationKind.Modernize, "c5.large", 140.16m, 129.21m, 10.95m, RecommendationRisk.Low,
            "c5 is the newer generation of c4; c4.large → c5.large saves $10.95/month"),
            (r.Kind, r.Proposed, r.MonthlyCostBefore!.Value, r.MonthlyCostAfter!.Value, r.MonthlySaving!.Value, r.Risk, r.Reason));
    }

    [Fact]
    public void Evaluate_PreviousGenerationAtTheSamePrice_StillModernizes()
    {
        var types = new EngineFixture.Types(Facts("q1.large", 2, 4, currentGeneration: false), Facts("q2.large", 2, 4), Facts("q3.large", 2, 8));
        var prices = new PriceCatalogBuilder()
            .AddCompute(Region, "q1.large", InstanceOs.Linux, 0.1m)
            .AddCompute(Region, "q2.large", InstanceOs.Linux, 0.1m)
            .AddCompute(Region, "q3.large", InstanceOs.Linux, 0.1m)
            .Build(TestInfo);

        var r = Assert.Single(EvaluateOne(new RecommendationEngine(prices, types, new RecommendationSettings()), Running("i-1", "q1.large", 73m), Busy(55))
            .Recommendations);

        // A tie goes to the newest generation.
        Assert.Equal(("q3.large", 0m, "q1.large is a previous-generation type; q1.large → q3.large costs the same, $73.00/month"),
            (r.Proposed, r.MonthlySaving!.Value, r.Reason));
    }

    [Fact]
    public void Evaluate_CurrentGenerationAtTheSamePrice_NotModernized()
    {
        // m5.large and m6i.large are both 0.096 (and not the same line); a hand-built q line: equal prices are no saving.
        var types = new EngineFixture.Types(Facts("q1.large", 2, 4), Facts("q2.large", 2, 4));
        var prices = new PriceCatalogBuilder()
            .AddCompute(Region, "q1.large", InstanceOs.Linux, 0.1m)
            .AddCompute(Region, "q2.large", InstanceOs.Linux, 0.1m)
            .Build(TestInfo);

        Assert.Empty(EvaluateOne(new RecommendationEngine(prices, types, new RecommendationSettings()), Running("i-1", "q1.large", 73m), Busy(55))
            .Recommendations);
    }

    // ---- One compute recommendation per instance ----

    [Theory]
    [InlineData(RecommendationRisk.Medium, RecommendationKind.Graviton, "t4g.micro", "2.34")]   // t2.micro $8.47 → t4g.micro $6.13
    [InlineData(RecommendationRisk.Low, RecommendationKind.Modernize, "t3.micro", "0.88")]      // → t3.micro $7.59
    [InlineData(RecommendationRisk.High, RecommendationKind.Graviton, "t4g.micro", "2.34")]
    public void Evaluate_SeveralCandidates_TheLargestSavingWithinMaxRisk(RecommendationRisk maxRisk, RecommendationKind kind, string proposed, string saving)
    {
        var result = EvaluateOne(RealEngine(new RecommendationSettings { MaxRisk = maxRisk }), Running("i-1", "t2.micro", 8.47m), Busy(55));

        var r = Assert.Single(result.Recommendations);
        Assert.Equal((kind, proposed, Usd(saving)), (r.Kind, r.Proposed, r.MonthlySaving!.Value));
    }

    [Fact]
    public void Evaluate_RightsizeSavesMoreThanGraviton_OnlyRightsize()
    {
        // m5.xlarge: rightsize to m5.large saves $70.08; Graviton m6g.xlarge would save $27.74.
        var result = EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 140.16m), Busy(12));

        Assert.Equal(RecommendationKind.Rightsize, Assert.Single(result.Recommendations).Kind);
    }

    [Fact]
    public void Evaluate_IdleAndRightsizable_OnlyIdle()
    {
        var result = EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 140.16m), Quiet(1, 100));

        Assert.Equal(RecommendationKind.Idle, Assert.Single(result.Recommendations).Kind);
    }

    // ---- Who gets no type change ----

    [Fact]
    public void Evaluate_SpotInstance_NoTypeChange()
    {
        Assert.Empty(EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 40m, lifecycle: "spot"), Busy(12)).Recommendations);
    }

    [Fact]
    public void Evaluate_DedicatedTenancy_NoTypeChange()
    {
        Assert.Empty(EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", null, tenancy: "dedicated"), Busy(12)).Recommendations);
    }

    [Fact]
    public void Evaluate_Windows_RightsizedAtWindowsPrices()
    {
        // m5.xlarge Windows 0.376 → $274.48; m5.large Windows 0.188 → $137.24.
        var r = Assert.Single(EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 274.48m, platform: "windows"), Busy(12)).Recommendations);

        Assert.Equal((RecommendationKind.Rightsize, "m5.large", 274.48m, 137.24m, 137.24m),
            (r.Kind, r.Proposed, r.MonthlyCostBefore!.Value, r.MonthlyCostAfter!.Value, r.MonthlySaving!.Value));
    }

    [Fact]
    public void Evaluate_AcceleratedFamily_NoTypeChange()
    {
        // g5.2xlarge at 10 % CPU would "fit" g5.xlarge, but CPU says nothing about its GPU, and g6 has a different GPU.
        Assert.Empty(EvaluateOne(RealEngine(), Running("i-1", "g5.2xlarge", 884.76m), Busy(10)).Recommendations);
    }

    [Fact]
    public void Evaluate_TypeUnknownToTheCatalog_NoTypeChange()
    {
        Assert.Empty(EvaluateOne(RealEngine(), Running("i-1", "z99.large", 50m), Busy(10)).Recommendations);
    }

    [Fact]
    public void Evaluate_CurrentPriceUnknownInTheRegion_NoTypeChange()
    {
        // A region the snapshot has no compute prices for: no before price, so no saving can be claimed.
        Assert.Empty(EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", null, region: "xx-nowhere-1"), Busy(12)).Recommendations);
    }

    [Fact]
    public void Evaluate_CandidatePriceUnknown_NoTypeChange()
    {
        var (types, _) = M5Only();
        var prices = new PriceCatalogBuilder().AddCompute(Region, "m5.xlarge", InstanceOs.Linux, 0.192m).Build(TestInfo);

        Assert.Empty(EvaluateOne(new RecommendationEngine(prices, types, new RecommendationSettings()), Running("i-1", "m5.xlarge", 140.16m), Busy(12))
            .Recommendations);
    }

    [Fact]
    public void Evaluate_OtherRegion_PricedInThatRegion()
    {
        // eu-west-1: m5.xlarge 0.214 → $156.22; m5.large 0.107 → $78.11.
        var r = Assert.Single(EvaluateOne(RealEngine(), Running("i-1", "m5.xlarge", 156.22m, region: "eu-west-1"), Busy(12)).Recommendations);

        Assert.Equal(("eu-west-1", 156.22m, 78.11m, 78.11m), (r.Region, r.MonthlyCostBefore!.Value, r.MonthlyCostAfter!.Value, r.MonthlySaving!.Value));
    }
}
