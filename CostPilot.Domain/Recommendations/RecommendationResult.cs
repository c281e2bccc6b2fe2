namespace CostPilot.Domain.Recommendations;

/// <summary>Why a running instance gets no compute advice.</summary>
public enum InstanceFindingKind
{
    /// <summary>Fewer hourly points than the engine needs, no data at all, or utilization could not be read.</summary>
    NotEnoughData,

    /// <summary>p95 CPU above the hot threshold: it may need a bigger size, never a smaller one.</summary>
    UnderProvisioned,
}

/// <summary>A running instance without compute advice, and the sentence that says why.</summary>
public sealed record InstanceFinding(string InstanceId, InstanceFindingKind Kind, string Message);

/// <summary>The engine's answer for one account, ordered by saving (largest first, unknown savings last).</summary>
public sealed record RecommendationResult(IReadOnlyList<Recommendation> Recommendations, IReadOnlyList<InstanceFinding> Findings)
{
    /// <summary>The sum of the known savings (each already in cents), so the total equals the sum of the rows shown.</summary>
    public decimal TotalMonthlySaving => Recommendations.Sum(r => r.MonthlySaving ?? 0m);

    public IReadOnlyDictionary<RecommendationKind, decimal> SavingByKind =>
        Recommendations.GroupBy(r => r.Kind).ToDictionary(g => g.Key, g => g.Sum(r => r.MonthlySaving ?? 0m));
}
