using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;

namespace CostPilot.Infrastructure.Optimization;

/// <summary>
/// What applying a recommendation would do, for the confirmation: the change, the saving, the downtime to expect and whether it
/// fits the month's budget. <see cref="BudgetRemaining"/> is what this instance has left of its own budget (the one
/// <see cref="ExceedsBudget"/> is judged by). <see cref="Blocked"/> says why it cannot be applied now (null when it can).
/// </summary>
public sealed record ApplyPreview(
    Guid AccountId,
    string InstanceId,
    string? InstanceName,
    string Region,
    RecommendationKind Kind,
    ExperimentAction Action,
    string FromType,
    string? ToType,
    decimal? MonthlyCostBefore,
    decimal? MonthlyCostAfter,
    decimal? MonthlySaving,
    TimeSpan ExpectedDowntime,
    bool ExpectedFromHistory,
    int PastExperiments,
    decimal TargetPercent,
    TimeSpan BudgetRemaining,
    bool ExceedsBudget,
    string? Caveat,
    string? Blocked);

/// <summary>One experiment as the history shows it, with its account and its downtime so far.</summary>
public sealed record ExperimentRow(
    Guid Id,
    Guid AccountId,
    string AccountName,
    string InstanceId,
    string? InstanceName,
    string Region,
    RecommendationKind Kind,
    string FromType,
    string? ToType,
    ExperimentState State,
    decimal? MonthlyCostBefore,
    decimal? MonthlyCostAfter,
    decimal? RealizedMonthlySaving,
    TimeSpan Downtime,
    TimeSpan ExpectedDowntime,
    string RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? Message,
    int Attempts,
    IReadOnlyList<ExperimentStep> Steps);

/// <summary>Realized savings (succeeded experiments: before − after, monthly) this month and overall, and how experiments ended.</summary>
public sealed record ExperimentTotals(
    decimal RealizedThisMonth,
    decimal RealizedOverall,
    int Total,
    int Succeeded,
    int RolledBack,
    int Failed,
    int UnderWay,
    TimeSpan DowntimeThisMonth);

/// <summary>The history's filters: one account or all of the caller's, one state or all.</summary>
public sealed record ExperimentQuery(Guid? AccountId = null, ExperimentState? State = null, int Skip = 0, int Take = 50)
{
    public const int MaxTake = 500;
}

public sealed record ExperimentPage(IReadOnlyList<ExperimentRow> Rows, int Total);

/// <summary>The latest experiment of each instance of an account that has one: what the recommendation list shows instead of "Apply".</summary>
public sealed record InstanceExperiment(Guid ExperimentId, string InstanceId, RecommendationKind Kind, string FromType, ExperimentState State, string? StepNote,
    DateTimeOffset CreatedAt);
