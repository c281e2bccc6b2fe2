using CostPilot.Domain.Accounts;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Recommendations;

namespace CostPilot.Web.Api;

/// <summary>What the client dashboard shows: all the caller's accounts together. Money is USD per month, exact to the cent.</summary>
/// <param name="Accounts">How many AWS accounts the caller has connected.</param>
/// <param name="Instances">Live instances over all accounts.</param>
/// <param name="Running">Of those, running.</param>
/// <param name="NeedAttention">Accounts whose status is <c>error</c>.</param>
/// <param name="MonthlyCost">The sum of the accounts' monthly costs. Resources whose price is unknown are counted (<c>unknown_*</c>), never priced.</param>
/// <param name="PotentialSavings">The sum of every recommendation's known monthly saving, with the number of savings nobody can price.</param>
/// <param name="ByAccount">Each account's cost and potential saving (the rows of the dashboard's table).</param>
/// <param name="TopRecommendations">The 10 largest known savings over all accounts.</param>
public sealed record ClientSummary(
    int Accounts,
    int Instances,
    int Running,
    int NeedAttention,
    CostBreakdown MonthlyCost,
    SavingsTotals PotentialSavings,
    IReadOnlyList<AccountSummary> ByAccount,
    IReadOnlyList<RecommendationRow> TopRecommendations);

/// <param name="MonthlySaving">The sum of the known savings (USD per month); savings nobody can price are not in it.</param>
/// <param name="Recommendations">How many recommendations.</param>
/// <param name="UnknownSavings">Recommendations whose saving is unknown (no price): counted, not guessed.</param>
public sealed record SavingsTotals(decimal MonthlySaving, int Recommendations, int UnknownSavings);

/// <param name="MonthlyCost">The account's monthly cost; unknown prices counted, not priced.</param>
/// <param name="PotentialSavings">The account's potential saving (0 and 0 recommendations: none found).</param>
public sealed record AccountSummary(Guid Id, string Name, AccountStatus Status, CostBreakdown MonthlyCost, SavingsTotals PotentialSavings);

/// <summary>An EC2 instance with its cost.</summary>
/// <param name="InstanceType">The type as AWS names it, e.g. <c>m5.large</c>.</param>
/// <param name="State">The state as AWS names it: <c>running</c>, <c>stopped</c>, <c>pending</c>, <c>stopping</c>, <c>shutting-down</c>, <c>terminated</c>.</param>
/// <param name="GoneAt">When the instance was last found missing (only listed with <c>gone=true</c>).</param>
/// <param name="HourlyUsd">The price per hour; null when unknown (never 0 for unknown).</param>
/// <param name="MonthlyUsd">The monthly cost (0 when stopped); null when the price is unknown.</param>
/// <param name="PriceSource">Where the price comes from; <c>unknown</c> when there is none.</param>
public sealed record InstanceItem(
    long Id,
    string InstanceId,
    string? Name,
    string Region,
    string InstanceType,
    string State,
    string? AvailabilityZone,
    string Platform,
    string Architecture,
    string Lifecycle,
    DateTimeOffset? LaunchTime,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset? GoneAt,
    DateTimeOffset LastSeenAt,
    decimal? HourlyUsd,
    decimal? MonthlyUsd,
    PriceSource? PriceSource)
{
    public static InstanceItem From(InstanceRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(row.Id, row.InstanceId, row.Name, row.Region, row.InstanceType.Value, row.State.Value, row.AvailabilityZone, row.Platform,
            row.Architecture, row.Lifecycle, row.LaunchTime, row.Tags, row.GoneAt, row.LastSeenAt, row.HourlyUsd, row.MonthlyUsd, row.PriceSource);
    }
}

/// <summary>An experiment: a recommendation being applied, or applied, to an instance.</summary>
/// <param name="State">Where it stands: <c>planned</c>, <c>checking</c>, <c>stopping</c>, <c>modifying</c>, <c>starting</c>, <c>verifying</c>, then one of the final <c>succeeded</c>, <c>rolled_back</c>, <c>failed</c> (or <c>rolling_back</c> on the way).</param>
/// <param name="Finished">True once the state is final: stop polling.</param>
/// <param name="ToType">The new type of a resize; null when the instance is stopped instead.</param>
/// <param name="RealizedMonthlySaving">The monthly saving made (succeeded only); null otherwise or when a price is unknown.</param>
/// <param name="DowntimeSeconds">Downtime so far.</param>
/// <param name="ExpectedDowntimeSeconds">The downtime expected when it was applied (what counts against the SLA budget).</param>
/// <param name="Message">What went wrong, for a rollback or a failure.</param>
/// <param name="Steps">Each state it passed through, in order.</param>
public sealed record ExperimentItem(
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
    bool Finished,
    decimal? MonthlyCostBefore,
    decimal? MonthlyCostAfter,
    decimal? RealizedMonthlySaving,
    double DowntimeSeconds,
    double ExpectedDowntimeSeconds,
    string RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? Message,
    int Attempts,
    IReadOnlyList<ExperimentStepItem> Steps)
{
    public static ExperimentItem From(ExperimentRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(row.Id, row.AccountId, row.AccountName, row.InstanceId, row.InstanceName, row.Region, row.Kind, row.FromType, row.ToType,
            row.State, row.State.IsFinished(), row.MonthlyCostBefore, row.MonthlyCostAfter, row.RealizedMonthlySaving,
            row.Downtime.TotalSeconds, row.ExpectedDowntime.TotalSeconds, row.RequestedBy, row.CreatedAt, row.StartedAt, row.CompletedAt,
            row.Message, row.Attempts, [.. row.Steps.Select(s => new ExperimentStepItem(s.State, s.StartedAt, s.EndedAt, s.Note))]);
    }
}

/// <param name="EndedAt">Null while the experiment is in this step.</param>
/// <param name="Note">What happened in the step, as the page shows it.</param>
public sealed record ExperimentStepItem(ExperimentState State, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? Note);
