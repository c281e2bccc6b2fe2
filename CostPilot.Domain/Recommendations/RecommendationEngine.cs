using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Utilization;
using static CostPilot.Domain.Recommendations.RecommendationText;

namespace CostPilot.Domain.Recommendations;

/// <summary>
/// Turns one account's live inventory and 14 days of utilization into priced recommendations: pure, deterministic, no I/O.
/// Build it once (it indexes the instance-type catalog) and call <see cref="Evaluate"/> for each fleet.
/// </summary>
/// <remarks>
/// <para>Every figure comes from the cost rules in <see cref="Costs"/> (730-hour month, each line item rounded once to the
/// cent), so a saving here matches the cost pages to the cent: a type change is priced from the catalog for both types;
/// stopping, deleting or releasing saves the resource's stored monthly cost. A price the engine does not know is never $0:
/// the saving is null and the sentence says "price unknown"; a type change whose prices are not both known is not made.</para>
/// <para>Compute advice (at most one per running instance, <see cref="RecommendationKinds.IsCompute"/>):</para>
/// <list type="bullet">
/// <item>Only with at least <see cref="RecommendationSettings.MinHourlyPoints"/> hourly CPU points; otherwise a
/// <see cref="InstanceFindingKind.NotEnoughData"/> finding that says why.</item>
/// <item>p95 above <see cref="RecommendationSettings.HotAboveP95"/>: an <see cref="InstanceFindingKind.UnderProvisioned"/>
/// finding and no advice at all.</item>
/// <item>Idle (maximum CPU and network both under their thresholds; unknown network is not idle): stop it. An idle instance
/// gets only this advice: stopping saves its whole compute cost, which is more than any type change can save (with
/// consistent prices the largest-saving rule picks it anyway; it also wins when its stored cost is unknown).</item>
/// <item>Otherwise the type changes — <see cref="RecommendationKind.Rightsize"/>, <see cref="RecommendationKind.Modernize"/>,
/// <see cref="RecommendationKind.Graviton"/> — for running on-demand instances on a priced platform ("linux", "windows") in
/// shared tenancy, of a type the catalog knows that is not accelerated (GPU, FPGA, ML chips). Among the candidates whose risk
/// is at most <see cref="RecommendationSettings.MaxRisk"/> the largest saving wins; on equal savings the lower risk, then
/// rightsize before Graviton before modernize.</item>
/// </list>
/// <para>Rightsizing and Graviton are not combined into one move (m5.xlarge → m6g.large): the projected p95 scales CPU load by
/// vCPU count, which holds within a family but not across architectures (a Graviton vCPU is a physical core, an x86 vCPU a
/// hyperthread), so a combined projection would be a guess. Each is proposed on its own; after one is applied, the next
/// evaluation can propose the other.</para>
/// <para>Other advice: stopped longer than <see cref="RecommendationSettings.StoppedLongDays"/> (snapshot and remove; its
/// attached volumes get no advice of their own, so a volume's cost is never counted twice), unattached volumes (snapshot and
/// delete), attached gp2 volumes (gp3 of the same performance, when cheaper) and Elastic IPs associated with nothing
/// (release).</para>
/// </remarks>
public sealed class RecommendationEngine
{
    /// <summary>The message of an instance without any CloudWatch point, when the account reported no problem.</summary>
    public static readonly string NoDataMessage = $"no CloudWatch data in the last {UtilizationSeries.Days} days: a new instance, or monitoring off";

    private const string OnDemand = "on-demand";
    private const string Gp2 = "gp2";
    private const string Gp3 = "gp3";

    private readonly IPriceCatalog _prices;
    private readonly InstanceTypeIndex _types;
    private readonly RecommendationSettings _settings;

    public RecommendationEngine(IPriceCatalog prices, IInstanceTypeCatalog types, RecommendationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(settings);
        _prices = prices;
        _types = new InstanceTypeIndex(types);
        _settings = settings;
    }

    public RecommendationResult Evaluate(Fleet fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var recommendations = new List<Recommendation>(fleet.Instances.Count / 2 + fleet.Volumes.Count / 4 + 16);
        var findings = new List<InstanceFinding>();
        var stoppedLong = new Dictionary<string, StoppedInstance>(StringComparer.Ordinal);

        foreach (var instance in fleet.Instances)
        {
            if (instance.State.IsRunning)
            {
                EvaluateRunning(instance, fleet, recommendations, findings);
            }
            else if (instance.State == InstanceState.Stopped && instance.StateChangedAt is { } since
                && fleet.Now - since > TimeSpan.FromDays(_settings.StoppedLongDays))
            {
                stoppedLong.TryAdd(instance.InstanceId, new StoppedInstance(instance, (int)(fleet.Now - since).TotalDays));
            }
        }

        foreach (var volume in fleet.Volumes)
        {
            if (volume.AttachedInstanceId is null)
            {
                Add(recommendations, UnattachedVolume(volume));
            }
            else if (stoppedLong.TryGetValue(volume.AttachedInstanceId, out var stopped))
            {
                stopped.Attach(volume);
            }
            else if (volume.VolumeType == Gp2 && Gp2ToGp3(volume) is { } gp3)
            {
                Add(recommendations, gp3);
            }
        }
        foreach (var stopped in stoppedLong.Values)
        {
            Add(recommendations, StoppedLong(stopped));
        }

        foreach (var address in fleet.Addresses)
        {
            if (address.AssociationId is null)
            {
                Add(recommendations, IdleAddress(address));
            }
        }

        recommendations.Sort(Compare);
        findings.Sort((a, b) => string.CompareOrdinal(a.InstanceId, b.InstanceId) is var c and not 0 ? c : a.Kind.CompareTo(b.Kind));
        return new RecommendationResult(recommendations, findings);
    }

    private void Add(List<Recommendation> recommendations, Recommendation recommendation)
    {
        if (recommendation.Risk <= _settings.MaxRisk)
        {
            recommendations.Add(recommendation);
        }
    }

    private void EvaluateRunning(FleetInstance instance, Fleet fleet, List<Recommendation> recommendations, List<InstanceFinding> findings)
    {
        if (!fleet.Utilization.TryGetValue(instance.InstanceId, out var utilization) || utilization.HourlyPoints <= 0
            || utilization.CpuP95 is null)
        {
            findings.Add(new InstanceFinding(instance.InstanceId, InstanceFindingKind.NotEnoughData, fleet.UtilizationProblem ?? NoDataMessage));
            return;
        }
        if (utilization.HourlyPoints < _settings.MinHourlyPoints)
        {
            findings.Add(new InstanceFinding(instance.InstanceId, InstanceFindingKind.NotEnoughData,
                $"{Count(utilization.HourlyPoints)} of the {Count(_settings.MinHourlyPoints)} hourly points needed"));
            return;
        }
        var p95 = utilization.CpuP95.Value;
        if (p95 > _settings.HotAboveP95)
        {
            findings.Add(new InstanceFinding(instance.InstanceId, InstanceFindingKind.UnderProvisioned,
                $"p95 CPU {Percent(p95, _settings.HotAboveP95)} over {UtilizationSeries.Days} days: consider a larger size"));
            return;
        }
        if (utilization is { CpuMax: { } max, NetworkBytesPerDay: { } network }
            && max < _settings.IdleMaxCpuPercent && network < _settings.IdleMaxNetworkBytesPerDay)
        {
            Add(recommendations, Idle(instance, max, network));
            return;
        }
        if (TypeChange(instance, p95) is { } change)
        {
            Add(recommendations, change);
        }
    }

    private Recommendation Idle(FleetInstance instance, double maxCpu, double networkBytesPerDay)
    {
        decimal? before = instance.MonthlyUsd is { } usd ? Costs.ToCents(usd) : null;
        var saves = before is { } b ? $"saves {Usd(b)}/month" : $"saves its compute cost ({PriceUnknown})";
        return new Recommendation(RecommendationKind.Idle, ResourceKind.Instance, instance.InstanceId, instance.Region, instance.Name,
            $"{instance.InstanceType} · running", "stopped", before, 0m, before, RecommendationRisk.Low,
            $"max CPU {Percent(maxCpu, _settings.IdleMaxCpuPercent)} and network {MegabytesPerDay(networkBytesPerDay, _settings.IdleMaxNetworkBytesPerDay)} "
            + $"over {UtilizationSeries.Days} days; stopping it {saves}");
    }

    /// <summary>The best type change for a running instance, or null: see the class remarks for who gets one.</summary>
    private Recommendation? TypeChange(FleetInstance instance, double p95)
    {
        if (instance.Lifecycle != OnDemand || Costs.OsOf(instance.Platform) is not { } os || Costs.TenancyOf(instance.Tenancy) != Tenancy.Shared
            || _types.Find(instance.InstanceType) is not { Accelerated: false } type
            || _prices.InstanceHourly(instance.Region, instance.InstanceType, os, Tenancy.Shared) is not { } hourly)
        {
            return null;
        }
        var before = Costs.MonthlyOf(hourly);
        var best = Better(Rightsize(instance.Region, os, type, p95, before), Modernize(instance.Region, os, type, before));
        if (os == InstanceOs.Linux && type.Facts.Architecture == CpuArchitecture.X64)
        {
            best = Better(best, Graviton(instance.Region, type, before));
        }
        if (best is not { } move)
        {
            return null;
        }
        var from = instance.InstanceType;
        var to = move.Target.InstanceType;
        var saving = before - move.After;
        var reason = move.Kind switch
        {
            RecommendationKind.Rightsize =>
                $"p95 CPU {Percent(p95, _settings.RightsizeBelowP95)} over {UtilizationSeries.Days} days; {from} → {to} saves {Usd(saving)}/month",
            RecommendationKind.Graviton =>
                $"p95 CPU {Percent(p95)} over {UtilizationSeries.Days} days; {from} → {to} (Graviton, needs arm64 images) saves {Usd(saving)}/month",
            _ => (type.PreviousGeneration ? $"{from} is a previous-generation type; " : $"{move.Target.Family} is the newer generation of {type.Facts.Family}; ")
                + (saving > 0 ? $"{from} → {to} saves {Usd(saving)}/month" : $"{from} → {to} costs the same, {Usd(before)}/month"),
        };
        return new Recommendation(move.Kind, ResourceKind.Instance, instance.InstanceId, instance.Region, instance.Name, from, to,
            before, move.After, saving, move.Risk, reason);
    }

    /// <summary>
    /// The smallest size of the same family whose projected p95 (p95 × current vCPUs ÷ candidate vCPUs) stays under
    /// <see cref="RecommendationSettings.RightsizeTargetP95"/>, with memory per vCPU not lower, never below
    /// <see cref="RecommendationSettings.MinBurstableVCpus"/> for t families, priced in the region and cheaper. The smallest,
    /// not the next size down: every resize is a stop and start, so stepping one size at a time would cost a downtime per
    /// step for the saving one step gives at once. Risk is Low when the projected p95 stays under
    /// <see cref="RecommendationSettings.RightsizeBelowP95"/> (the new size would itself look lightly used), else Medium; when
    /// Medium is above <see cref="RecommendationSettings.MaxRisk"/>, the smallest size with a Low risk is proposed instead.
    /// A size the catalog has no price for in the region (not offered there) is passed over for the next one up.
    /// </summary>
    private Move? Rightsize(string region, InstanceOs os, IndexedType type, double p95, decimal before)
    {
        if (p95 >= _settings.RightsizeBelowP95)
        {
            return null;
        }
        foreach (var candidate in type.Smaller)
        {
            if (type.Burstable && candidate.VCpus < _settings.MinBurstableVCpus)
            {
                continue;
            }
            var projected = p95 * type.Facts.VCpus / candidate.VCpus;
            if (projected >= _settings.RightsizeTargetP95)
            {
                continue;
            }
            var risk = projected < _settings.RightsizeBelowP95 ? RecommendationRisk.Low : RecommendationRisk.Medium;
            if (risk > _settings.MaxRisk || _prices.InstanceHourly(region, candidate.InstanceType, os, Tenancy.Shared) is not { } hourly)
            {
                continue;
            }
            var after = Costs.MonthlyOf(hourly);
            if (after < before)
            {
                return new Move(RecommendationKind.Rightsize, candidate, after, risk);
            }
        }
        return null;
    }

    /// <summary>
    /// A newer generation of the same line: same letter prefix, attribute suffix, architecture and size, at least the vCPUs
    /// and memory, current generation, priced in the region. For a type AWS lists as previous generation (t1, m1, m3, c3, r3,
    /// i2, d2…) it may cost the same or less; for a current-generation type only strictly less: the catalog lists t2, m4, c4
    /// and r4 as current generation, yet t3, m5, c5 and r5 cost less for the same size. The cheapest wins; on a tie the newest.
    /// Moving from a Xen type (t2, m4, c4, r4, m3…) to a Nitro one needs the ENA and NVMe drivers every current AMI has.
    /// </summary>
    private Move? Modernize(string region, InstanceOs os, IndexedType type, decimal before)
    {
        if (Cheapest(region, os, type.Newer) is not { } cheapest)
        {
            return null;
        }
        return cheapest.After < before || (type.PreviousGeneration && cheapest.After == before)
            ? new Move(RecommendationKind.Modernize, cheapest.Target, cheapest.After, RecommendationRisk.Low)
            : null;
    }

    /// <summary>
    /// The arm64 equivalent of an x86 Linux type, derived from the type facts rather than a hand list: same letter prefix,
    /// the attribute suffix with its processor letter replaced by "g" (<see cref="InstanceTypeIndex.GravitonSuffix"/>: m5, m5a,
    /// m6i, m7i → m*g; m5d → m*gd; c5n → c*gn; t3, t3a → t4g), the same size name, at least the vCPUs and memory, current
    /// generation, priced in the region for Linux. The cheapest of all Graviton generations wins (on a tie the newest), when it
    /// costs less than today. Risk Medium: the software needs arm64 builds and images.
    /// </summary>
    private Move? Graviton(string region, IndexedType type, decimal before)
    {
        if (RecommendationRisk.Medium > _settings.MaxRisk || Cheapest(region, InstanceOs.Linux, type.Graviton) is not { } cheapest
            || cheapest.After >= before)
        {
            return null;
        }
        return new Move(RecommendationKind.Graviton, cheapest.Target, cheapest.After, RecommendationRisk.Medium);
    }

    /// <summary>The cheapest priced candidate; candidates come newest generation first, so the newest wins a tie.</summary>
    private (InstanceTypeFacts Target, decimal After)? Cheapest(string region, InstanceOs os, InstanceTypeFacts[] candidates)
    {
        (InstanceTypeFacts Target, decimal After)? cheapest = null;
        foreach (var candidate in candidates)
        {
            if (_prices.InstanceHourly(region, candidate.InstanceType, os, Tenancy.Shared) is { } hourly
                && Costs.MonthlyOf(hourly) is var monthly && (cheapest is null || monthly < cheapest.Value.After))
            {
                cheapest = (candidate, monthly);
            }
        }
        return cheapest;
    }

    /// <summary>The larger saving (the lower "after": both start from the same price); then the lower risk; then the kind's order.</summary>
    private static Move? Better(Move? a, Move? b)
    {
        if (a is not { } x)
        {
            return b;
        }
        if (b is not { } y)
        {
            return a;
        }
        var order = x.After.CompareTo(y.After);
        if (order == 0)
        {
            order = x.Risk.CompareTo(y.Risk);
        }
        if (order == 0)
        {
            order = x.Kind.CompareTo(y.Kind);
        }
        return order <= 0 ? x : y;
    }

    private static Recommendation StoppedLong(StoppedInstance stopped)
    {
        var instance = stopped.Instance;
        var volumes = stopped.VolumeCount switch
        {
            0 => null,
            1 => $"its volume ({Count(stopped.SizeGiB)} GiB)",
            _ => $"its {Count(stopped.VolumeCount)} volumes ({Count(stopped.SizeGiB)} GiB)",
        };
        var reason = $"stopped {Count(stopped.Days)} days; " + (volumes is null
            ? $"no volume is attached, so removing it saves {Usd(0m)}/month"
            : stopped.MonthlyUsd is { } usd
                ? $"snapshotting {volumes} and removing it saves {Usd(usd)}/month"
                : $"snapshotting {volumes} and removing it saves what {(stopped.VolumeCount == 1 ? "it costs" : "they cost")} ({PriceUnknown})");
        return new Recommendation(RecommendationKind.StoppedLong, ResourceKind.Instance, instance.InstanceId, instance.Region, instance.Name,
            $"{instance.InstanceType} · stopped {Count(stopped.Days)} days", "terminated (volumes snapshotted)",
            stopped.MonthlyUsd, 0m, stopped.MonthlyUsd, RecommendationRisk.Low, reason);
    }

    private static Recommendation UnattachedVolume(FleetVolume volume)
    {
        decimal? before = volume.MonthlyUsd is { } usd ? Costs.ToCents(usd) : null;
        var saves = before is { } b ? $"saves {Usd(b)}/month" : $"saves what it costs ({PriceUnknown})";
        return new Recommendation(RecommendationKind.UnattachedVolume, ResourceKind.Volume, volume.VolumeId, volume.Region, volume.Name,
            $"{volume.VolumeType} · {Count(volume.SizeGiB)} GiB · unattached", "deleted (snapshot kept)", before, 0m, before, RecommendationRisk.Low,
            $"attached to no instance; snapshotting and deleting this {Count(volume.SizeGiB)} GiB {volume.VolumeType} volume {saves}");
    }

    /// <summary>
    /// gp3 with the performance the gp2 volume has (<see cref="Gp2Performance"/>: its baseline IOPS but at least gp3's
    /// included 3,000, which also covers gp2's 3,000 IOPS burst; 128 or 250 MiB/s), both sides priced by
    /// <see cref="Costs.Volume"/>. Only when both prices are known and gp3 costs less: small volumes pay more for gp3's
    /// 128 MiB/s than they save on storage (a 5 GiB volume: $0.50 on gp2, $0.52 on gp3 in us-east-1).
    /// </summary>
    private Recommendation? Gp2ToGp3(FleetVolume volume)
    {
        var size = volume.SizeGiB;
        var iops = Gp2Performance.Gp3Iops(size);
        var throughput = Gp2Performance.ThroughputMiBps(size);
        if (Costs.Volume(_prices, volume.Region, Gp2, size, null, null).Monthly is not { } before
            || Costs.Volume(_prices, volume.Region, Gp3, size, iops, throughput).Monthly is not { } after || after >= before)
        {
            return null;
        }
        var baseline = Gp2Performance.BaselineIops(size);
        return new Recommendation(RecommendationKind.Gp2ToGp3, ResourceKind.Volume, volume.VolumeId, volume.Region, volume.Name,
            $"gp2 · {Count(size)} GiB · {Count(baseline)} IOPS · {Count(throughput)} MiB/s",
            $"gp3 · {Count(size)} GiB · {Count(iops)} IOPS · {Count(throughput)} MiB/s", before, after, before - after, RecommendationRisk.Low,
            $"gp3 with {Count(iops)} IOPS and {Count(throughput)} MiB/s matches this {Count(size)} GiB gp2 volume "
            + $"({Count(baseline)} IOPS baseline, {Count(throughput)} MiB/s) and saves {Usd(before - after)}/month");
    }

    private static Recommendation IdleAddress(FleetAddress address)
    {
        decimal? before = address.MonthlyUsd is { } usd ? Costs.ToCents(usd) : null;
        var saves = before is { } b ? $"saves {Usd(b)}/month" : $"saves what it costs ({PriceUnknown})";
        return new Recommendation(RecommendationKind.IdleAddress, ResourceKind.Address, address.AllocationId, address.Region, address.Name,
            $"{address.PublicIp} · not associated", "released", before, 0m, before, RecommendationRisk.Low,
            $"associated with nothing; releasing {address.PublicIp} {saves}");
    }

    /// <summary>Largest saving first, unknown savings last; then by resource id and kind, so equal inputs give equal lists.</summary>
    private static int Compare(Recommendation a, Recommendation b)
    {
        var order = (a.MonthlySaving, b.MonthlySaving) switch
        {
            ({ } x, { } y) => y.CompareTo(x),
            (null, null) => 0,
            (null, _) => 1,
            _ => -1,
        };
        if (order == 0)
        {
            order = string.CompareOrdinal(a.ResourceId, b.ResourceId);
        }
        return order != 0 ? order : a.Kind.CompareTo(b.Kind);
    }

    private readonly record struct Move(RecommendationKind Kind, InstanceTypeFacts Target, decimal After, RecommendationRisk Risk);

    /// <summary>A long-stopped instance and what its attached volumes cost (null once one of them has no price).</summary>
    private sealed class StoppedInstance(FleetInstance instance, int days)
    {
        private bool _unknown;
        private decimal _monthly;

        public FleetInstance Instance { get; } = instance;
        public int Days { get; } = days;
        public int VolumeCount { get; private set; }
        public int SizeGiB { get; private set; }
        public decimal? MonthlyUsd => _unknown ? null : _monthly;

        public void Attach(FleetVolume volume)
        {
            VolumeCount++;
            SizeGiB += volume.SizeGiB;
            if (volume.MonthlyUsd is { } usd)
            {
                _monthly += Costs.ToCents(usd);
            }
            else
            {
                _unknown = true;
            }
        }
    }
}
