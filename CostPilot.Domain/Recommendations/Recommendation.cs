namespace CostPilot.Domain.Recommendations;

/// <summary>What a recommendation proposes. <see cref="RecommendationKinds.Slug"/> gives the stable name UIs, CSV and the API use.</summary>
public enum RecommendationKind
{
    /// <summary>A running instance that does nothing: stop it.</summary>
    Idle,

    /// <summary>A smaller size of the same family.</summary>
    Rightsize,

    /// <summary>The arm64 (AWS Graviton) equivalent of an x86 Linux instance.</summary>
    Graviton,

    /// <summary>The current-generation equivalent of a previous-generation type.</summary>
    Modernize,

    /// <summary>Stopped for over a month: snapshot its volumes and remove it.</summary>
    StoppedLong,

    /// <summary>An EBS volume attached to nothing: snapshot and delete it.</summary>
    UnattachedVolume,

    /// <summary>A gp2 volume: gp3 is cheaper for the same size and at least the same performance.</summary>
    Gp2ToGp3,

    /// <summary>An Elastic IP associated with nothing: release it.</summary>
    IdleAddress,
}

/// <summary>How likely applying the recommendation hurts the workload.</summary>
public enum RecommendationRisk
{
    Low,
    Medium,
    High,
}

/// <summary>What a recommendation is about.</summary>
public enum ResourceKind
{
    Instance,
    Volume,
    Address,
}

public static class RecommendationKinds
{
    public static readonly IReadOnlyList<RecommendationKind> All = Enum.GetValues<RecommendationKind>();

    /// <summary>The stable name: idle, rightsize, graviton, modernize, stopped-long, unattached-volume, gp2-to-gp3, idle-address.</summary>
    public static string Slug(this RecommendationKind kind) => kind switch
    {
        RecommendationKind.Idle => "idle",
        RecommendationKind.Rightsize => "rightsize",
        RecommendationKind.Graviton => "graviton",
        RecommendationKind.Modernize => "modernize",
        RecommendationKind.StoppedLong => "stopped-long",
        RecommendationKind.UnattachedVolume => "unattached-volume",
        RecommendationKind.Gp2ToGp3 => "gp2-to-gp3",
        RecommendationKind.IdleAddress => "idle-address",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static RecommendationKind? FromSlug(string? slug) => All.Cast<RecommendationKind?>().FirstOrDefault(k => k!.Value.Slug() == slug);

    /// <summary>A few words for people: "Stop idle instance", "Rightsize", ...</summary>
    public static string Title(this RecommendationKind kind) => kind switch
    {
        RecommendationKind.Idle => "Stop idle instance",
        RecommendationKind.Rightsize => "Rightsize",
        RecommendationKind.Graviton => "Move to Graviton",
        RecommendationKind.Modernize => "Modernize",
        RecommendationKind.StoppedLong => "Remove long-stopped instance",
        RecommendationKind.UnattachedVolume => "Delete unattached volume",
        RecommendationKind.Gp2ToGp3 => "gp2 → gp3",
        RecommendationKind.IdleAddress => "Release Elastic IP",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Whether the kind changes an instance's type or state (at most one of these per instance).</summary>
    public static bool IsCompute(this RecommendationKind kind) =>
        kind is RecommendationKind.Idle or RecommendationKind.Rightsize or RecommendationKind.Graviton or RecommendationKind.Modernize;
}

/// <summary>
/// One thing to change, with its price: monthly cost before and after from the price catalog (or the stored cost), the
/// saving, the risk, and one sentence with the numbers behind it. Money is null when a price is unknown: no saving is
/// claimed then, and totals leave it out.
/// </summary>
/// <param name="ResourceId">The instance id, volume id or Elastic IP allocation id.</param>
/// <param name="Name">The resource's Name tag, when it has one.</param>
/// <param name="Current">Today's configuration ("m5.xlarge", "gp2 · 500 GiB", "running").</param>
/// <param name="Proposed">The proposed one ("m5.large", "gp3 · 500 GiB", "stopped", "deleted", "released").</param>
/// <param name="Reason">"p95 CPU 12 % over 14 days; m5.xlarge → m5.large saves $70.08/month".</param>
public sealed record Recommendation(
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
