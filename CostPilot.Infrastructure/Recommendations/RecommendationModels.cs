using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;

namespace CostPilot.Infrastructure.Recommendations;

/// <summary>One recommendation as pages, CSV and the API show it.</summary>
public sealed record RecommendationRow(
    long Id,
    Guid AccountId,
    string AccountName,
    RecommendationKind Kind,
    ResourceKind Resource,
    string ResourceId,
    string Region,
    string? Name,
    string Current,
    string Proposed,
    decimal? MonthlyCostBefore,
    decimal? MonthlyCostAfter,
    decimal? MonthlySaving,
    RecommendationRisk Risk,
    string Reason);

public enum RecommendationSort
{
    Saving,
    Kind,
    Risk,
    Resource,
    Region,
}

/// <summary>The Recommendations tab: filter by kind and risk, sorted by saving (largest first) unless asked otherwise.</summary>
public sealed record RecommendationQuery(
    RecommendationKind? Kind = null,
    RecommendationRisk? Risk = null,
    RecommendationSort SortBy = RecommendationSort.Saving,
    bool Descending = true,
    int Skip = 0,
    int Take = 25);

public sealed record RecommendationPage(IReadOnlyList<RecommendationRow> Rows, int Total);

/// <summary>Count and monthly saving of one kind (the saving sums known savings only).</summary>
public sealed record KindSaving(RecommendationKind Kind, int Count, decimal MonthlySaving, int UnknownSavings);

/// <summary>One account's potential savings in short: the sum of the savings known, how many recommendations, and how many of them nobody can price.</summary>
public sealed record AccountSavings(decimal MonthlySaving, int Recommendations, int Unknown)
{
    public static readonly AccountSavings None = new(0m, 0, 0);
}

/// <summary>
/// An account's potential savings: the total (the exact sum of the rows' savings), per kind, the instances without compute
/// advice, and where utilization collection stands.
/// </summary>
public sealed record SavingsSummary(
    decimal MonthlySaving,
    int Recommendations,
    IReadOnlyList<KindSaving> ByKind,
    int NotEnoughData,
    int UnderProvisioned,
    UtilizationState Utilization);

/// <summary>Where an account's utilization collection stands (<see cref="UtilizationStatus.NotCollected"/> before the first run).</summary>
public sealed record UtilizationState(
    UtilizationStatus Status,
    string? Message,
    DateTimeOffset? CollectedAt,
    int InstancesAsked,
    int InstancesWithData);

/// <summary>The advice the instances grid shows next to one instance: its recommendation, or why it has none.</summary>
public sealed record InstanceAdvice(
    string InstanceId,
    RecommendationKind? Kind,
    string? Proposed,
    decimal? MonthlySaving,
    RecommendationRisk? Risk,
    string? Reason,
    InstanceFindingKind? Finding,
    string? FindingMessage);

/// <summary>One instance's 14-day utilization for its chart: hourly average and maximum CPU (null: no point that hour).</summary>
public sealed record InstanceUtilizationDetail(
    string InstanceId,
    string Region,
    DateTimeOffset WindowStart,
    IReadOnlyList<double?> CpuAverage,
    IReadOnlyList<double?> CpuMaximum,
    UtilizationSummary Summary,
    DateTimeOffset CollectedAt);

/// <summary>All accounts of a user: the total and the best recommendations.</summary>
public sealed record SavingsOverview(decimal MonthlySaving, int Recommendations, IReadOnlyList<RecommendationRow> Top);
