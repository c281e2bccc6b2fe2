using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using static CostPilot.Tests.Domain.Recommendations.EngineFixture;

namespace CostPilot.Tests.Domain.Recommendations;

/// <summary>
/// Volumes, long-stopped instances and Elastic IPs. EBS prices are the shipped snapshot's us-east-1 rates
/// (ebs-prices.csv): gp2 $0.10/GB-month; gp3 $0.08/GB-month, $0.005 per IOPS above 3,000, $0.04 per MiB/s above 125.
/// </summary>
public sealed class RecommendationEngineStorageTests
{
    private static FleetVolume Volume(string id, string type, int sizeGiB, string? attachedTo, decimal? monthlyUsd, string region = Region) =>
        new(id, null, region, type, sizeGiB, type == "gp3" ? 3000 : null, type == "gp3" ? 125 : null, attachedTo, monthlyUsd);

    // ---- gp2 → gp3 ----

    [Fact]
    public void Evaluate_Gp2Of100GiB_Gp3WithTheSamePerformanceSaves188()
    {
        // gp2: 100 × 0.10 = $10.00. gp3 matching it: 3,000 IOPS (baseline 300, under the included 3,000) and 128 MiB/s
        // (3 above the included 125): 100 × 0.08 + 3 × 0.04 = $8.12. Saving $1.88.
        var result = RealEngine().Evaluate(FleetOf(volumes: [Volume("vol-1", "gp2", 100, "i-1", 10.00m)]));

        Assert.Equal(new Recommendation(RecommendationKind.Gp2ToGp3, ResourceKind.Volume, "vol-1", Region, null,
            "gp2 · 100 GiB · 300 IOPS · 128 MiB/s", "gp3 · 100 GiB · 3,000 IOPS · 128 MiB/s", 10.00m, 8.12m, 1.88m, RecommendationRisk.Low,
            "gp3 with 3,000 IOPS and 128 MiB/s matches this 100 GiB gp2 volume (300 IOPS baseline, 128 MiB/s) and saves $1.88/month"),
            Assert.Single(result.Recommendations));
    }

    [Fact]
    public void Evaluate_Gp2Of2000GiB_Gp3WithTheSamePerformanceSaves2000()
    {
        // gp2: 2,000 × 0.10 = $200.00. gp3: 6,000 IOPS (3 per GiB) and 250 MiB/s:
        // 2,000 × 0.08 + (6,000 − 3,000) × 0.005 + (250 − 125) × 0.04 = 160 + 15 + 5 = $180.00. Saving $20.00.
        var r = Assert.Single(RealEngine().Evaluate(FleetOf(volumes: [Volume("vol-1", "gp2", 2000, "i-1", 200.00m)])).Recommendations);

        Assert.Equal(("gp3 · 2,000 GiB · 6,000 IOPS · 250 MiB/s", 200.00m, 180.00m, 20.00m,
            "gp3 with 6,000 IOPS and 250 MiB/s matches this 2,000 GiB gp2 volume (6,000 IOPS baseline, 250 MiB/s) and saves $20.00/month"),
            (r.Proposed, r.MonthlyCostBefore!.Value, r.MonthlyCostAfter!.Value, r.MonthlySaving!.Value, r.Reason));
    }

    [Theory]
    [InlineData(6, null)]       // $0.60 on gp2, 0.48 + 0.12 = $0.60 on gp3: no saving
    [InlineData(7, "0.02")]     // $0.70 against $0.68
    [InlineData(170, "3.28")]   // $17.00 against 13.60 + 0.12 = $13.72
    [InlineData(171, null)]     // 250 MiB/s from here: $17.10 against 13.68 + 5.00 = $18.68
    [InlineData(250, null)]     // $25.00 against 20.00 + 5.00 = $25.00
    [InlineData(251, "0.02")]   // $25.10 against 20.08 + 5.00 = $25.08
    [InlineData(1001, "15.00")] // $100.10 against 80.08 + 3 × 0.005 (3,003 IOPS) + 5.00 = $85.10 (85.095 rounded)
    public void Evaluate_Gp2Sizes_AdvisedOnlyWhenGp3CostsLess(int sizeGiB, string? saving)
    {
        var result = RealEngine().Evaluate(FleetOf(volumes: [Volume("vol-1", "gp2", sizeGiB, "i-1", sizeGiB * 0.10m)]));

        Assert.Equal(saving is null ? null : Usd(saving), result.Recommendations.SingleOrDefault()?.MonthlySaving);
    }

    [Fact]
    public void Evaluate_Gp2InARegionWithoutEbsPrices_NoAdvice()
    {
        // ap-northeast-3 has no EBS rates in the snapshot: no saving can be claimed.
        Assert.Empty(RealEngine().Evaluate(FleetOf(volumes: [Volume("vol-1", "gp2", 500, "i-1", null, region: "ap-northeast-3")])).Recommendations);
    }

    [Theory]
    [InlineData(1, 100, 128)]
    [InlineData(33, 100, 128)]
    [InlineData(34, 102, 128)]
    [InlineData(170, 510, 128)]
    [InlineData(171, 513, 250)]
    [InlineData(1000, 3000, 250)]
    [InlineData(1001, 3003, 250)]
    [InlineData(5334, 16000, 250)]
    [InlineData(16384, 16000, 250)]
    public void Gp2Performance_BySize_AsAwsDocumentsIt(int sizeGiB, int baselineIops, int throughput)
    {
        Assert.Equal((baselineIops, throughput, Math.Max(3000, baselineIops)),
            (Gp2Performance.BaselineIops(sizeGiB), Gp2Performance.ThroughputMiBps(sizeGiB), Gp2Performance.Gp3Iops(sizeGiB)));
    }

    // ---- Unattached volumes ----

    [Fact]
    public void Evaluate_UnattachedVolume_SnapshotAndDeleteSavesItsCost()
    {
        var r = Assert.Single(RealEngine().Evaluate(FleetOf(volumes: [Volume("vol-1", "gp2", 100, null, 10.00m)])).Recommendations);

        // One recommendation per volume: an unattached gp2 volume is deleted, not converted.
        Assert.Equal(new Recommendation(RecommendationKind.UnattachedVolume, ResourceKind.Volume, "vol-1", Region, null, "gp2 · 100 GiB · unattached",
            "deleted (snapshot kept)", 10.00m, 0m, 10.00m, RecommendationRisk.Low,
            "attached to no instance; snapshotting and deleting this 100 GiB gp2 volume saves $10.00/month"), r);
    }

    [Fact]
    public void Evaluate_UnattachedVolumeWithUnknownPrice_ClaimsNoSaving()
    {
        var r = Assert.Single(RealEngine().Evaluate(FleetOf(volumes: [Volume("vol-1", "io2", 100, null, null)])).Recommendations);

        Assert.Equal((null, null, "attached to no instance; snapshotting and deleting this 100 GiB io2 volume saves what it costs (price unknown)"),
            (r.MonthlyCostBefore, r.MonthlySaving, r.Reason));
    }

    // ---- Stopped long ----

    [Fact]
    public void Evaluate_StoppedFor31Days_RemoveItSavesItsVolumes()
    {
        var fleet = FleetOf([Stopped("i-1", "m5.large", Now.AddDays(-31))],
            volumes: [Volume("vol-1", "gp2", 100, "i-1", 10.00m), Volume("vol-2", "gp3", 100, "i-1", 8.00m), Volume("vol-3", "gp3", 50, "i-other", 4.00m)]);

        var result = RealEngine().Evaluate(fleet);

        // Its gp2 volume gets no gp2 → gp3 advice of its own: the saving would be counted twice.
        Assert.Equal(new Recommendation(RecommendationKind.StoppedLong, ResourceKind.Instance, "i-1", Region, null, "m5.large · stopped 31 days",
            "terminated (volumes snapshotted)", 18.00m, 0m, 18.00m, RecommendationRisk.Low,
            "stopped 31 days; snapshotting its 2 volumes (200 GiB) and removing it saves $18.00/month"), Assert.Single(result.Recommendations));
    }

    [Theory]
    [InlineData(30 * 86_400, false)]
    [InlineData(30 * 86_400 + 1, true)]
    [InlineData(29 * 86_400, false)]
    [InlineData(400 * 86_400, true)]
    public void Evaluate_StoppedFor_LongAfter30Days(int seconds, bool stoppedLong)
    {
        var fleet = FleetOf([Stopped("i-1", "m5.large", Now.AddSeconds(-seconds))], volumes: [Volume("vol-1", "gp3", 8, "i-1", 0.64m)]);

        Assert.Equal(stoppedLong, RealEngine().Evaluate(fleet).Recommendations.Any(r => r.Kind == RecommendationKind.StoppedLong));
    }

    [Fact]
    public void Evaluate_StoppedExactly30Days_ItsGp2VolumeStillGetsGp3Advice()
    {
        var fleet = FleetOf([Stopped("i-1", "m5.large", Now.AddDays(-30))], volumes: [Volume("vol-1", "gp2", 100, "i-1", 10.00m)]);

        Assert.Equal(RecommendationKind.Gp2ToGp3, Assert.Single(RealEngine().Evaluate(fleet).Recommendations).Kind);
    }

    [Fact]
    public void Evaluate_StoppedWithoutStateChangedAt_NoAdvice()
    {
        var fleet = FleetOf([Stopped("i-1", "m5.large", null)], volumes: [Volume("vol-1", "gp3", 100, "i-1", 8.00m)]);

        Assert.Empty(RealEngine().Evaluate(fleet).Recommendations);
    }

    [Fact]
    public void Evaluate_StoppedLongWithAVolumeOfUnknownPrice_ClaimsNoSaving()
    {
        var fleet = FleetOf([Stopped("i-1", "m5.large", Now.AddDays(-45))],
            volumes: [Volume("vol-1", "gp3", 100, "i-1", 8.00m), Volume("vol-2", "io2", 100, "i-1", null)]);

        var r = Assert.Single(RealEngine().Evaluate(fleet).Recommendations);

        Assert.Equal((null, null, "stopped 45 days; snapshotting its 2 volumes (200 GiB) and removing it saves what they cost (price unknown)"),
            (r.MonthlyCostBefore, r.MonthlySaving, r.Reason));
    }

    [Fact]
    public void Evaluate_StoppedLongWithOneVolume_SaysItsVolume()
    {
        var fleet = FleetOf([Stopped("i-1", "m5.large", Now.AddDays(-45))], volumes: [Volume("vol-1", "gp3", 1500, "i-1", 120.00m)]);

        Assert.Equal("stopped 45 days; snapshotting its volume (1,500 GiB) and removing it saves $120.00/month",
            Assert.Single(RealEngine().Evaluate(fleet).Recommendations).Reason);
    }

    // ---- Elastic IPs ----

    [Fact]
    public void Evaluate_AddressAssociatedWithNothing_Release()
    {
        // $0.005 an hour × 730 = $3.65.
        var fleet = FleetOf(addresses:
        [
            new FleetAddress("eipalloc-1", "203.0.113.10", "spare", Region, null, 3.65m),
            new FleetAddress("eipalloc-2", "203.0.113.11", null, Region, "eipassoc-2", 3.65m),
        ]);

        Assert.Equal(new Recommendation(RecommendationKind.IdleAddress, ResourceKind.Address, "eipalloc-1", Region, "spare", "203.0.113.10 · not associated",
            "released", 3.65m, 0m, 3.65m, RecommendationRisk.Low, "associated with nothing; releasing 203.0.113.10 saves $3.65/month"),
            Assert.Single(RealEngine().Evaluate(fleet).Recommendations));
    }

    [Fact]
    public void Evaluate_IdleAddressWithUnknownPrice_ClaimsNoSaving()
    {
        var fleet = FleetOf(addresses: [new FleetAddress("eipalloc-1", "203.0.113.10", null, "xx-nowhere-1", null, null)]);

        var r = Assert.Single(RealEngine().Evaluate(fleet).Recommendations);

        Assert.Equal((null, "associated with nothing; releasing 203.0.113.10 saves what it costs (price unknown)"), (r.MonthlySaving, r.Reason));
    }

    [Fact]
    public void Evaluate_MaxRiskLow_KeepsEveryLowRiskStorageAdvice()
    {
        var fleet = FleetOf([Stopped("i-1", "m5.large", Now.AddDays(-45))],
            volumes: [Volume("vol-1", "gp3", 100, "i-1", 8.00m), Volume("vol-2", "gp2", 100, null, 10.00m), Volume("vol-3", "gp2", 100, "i-9", 10.00m)],
            addresses: [new FleetAddress("eipalloc-1", "203.0.113.10", null, Region, null, 3.65m)]);

        var result = RealEngine(new RecommendationSettings { MaxRisk = RecommendationRisk.Low }).Evaluate(fleet);

        Assert.Equal(
            [RecommendationKind.UnattachedVolume, RecommendationKind.StoppedLong, RecommendationKind.IdleAddress, RecommendationKind.Gp2ToGp3],
            result.Recommendations.Select(r => r.Kind));
    }
}
