using CostPilot.Domain.Recommendations;

namespace CostPilot.Infrastructure.Recommendations;

/// <summary>A recommendation as the last evaluation of its account stored it (all of an account's are replaced together).</summary>
public sealed class StoredRecommendation
{
    private StoredRecommendation() { } // EF

    public StoredRecommendation(Guid accountId, Recommendation r, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(r);
        AccountId = accountId;
        Kind = r.Kind;
        Resource = r.Resource;
        ResourceId = r.ResourceId;
        Region = r.Region;
        Name = r.Name;
        Current = r.Current;
        Proposed = r.Proposed;
        MonthlyCostBefore = r.MonthlyCostBefore;
        MonthlyCostAfter = r.MonthlyCostAfter;
        MonthlySaving = r.MonthlySaving;
        Risk = r.Risk;
        Reason = r.Reason;
        CreatedAt = createdAt;
    }

    public long Id { get; private set; }
    public Guid AccountId { get; private set; }
    public RecommendationKind Kind { get; private set; }
    public ResourceKind Resource { get; private set; }
    public string ResourceId { get; private set; } = "";
    public string Region { get; private set; } = "";
    public string? Name { get; private set; }
    public string Current { get; private set; } = "";
    public string Proposed { get; private set; } = "";
    public decimal? MonthlyCostBefore { get; private set; }
    public decimal? MonthlyCostAfter { get; private set; }
    public decimal? MonthlySaving { get; private set; }
    public RecommendationRisk Risk { get; private set; }
    public string Reason { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>A running instance without compute advice (not enough data, under-provisioned), from the last evaluation.</summary>
public sealed class StoredFinding
{
    private StoredFinding() { } // EF

    public StoredFinding(Guid accountId, string region, InstanceFinding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        AccountId = accountId;
        Region = region;
        InstanceId = finding.InstanceId;
        Kind = finding.Kind;
        Message = finding.Message;
    }

    public Guid AccountId { get; private set; }
    public string Region { get; private set; } = "";
    public string InstanceId { get; private set; } = "";
    public InstanceFindingKind Kind { get; private set; }
    public string Message { get; private set; } = "";
}
