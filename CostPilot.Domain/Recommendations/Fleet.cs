using CostPilot.Domain.Inventory;
using CostPilot.Domain.Utilization;

namespace CostPilot.Domain.Recommendations;

/// <summary>A live instance as the engine sees it.</summary>
/// <param name="Platform">As discovery stores it: "linux", "windows", or other platform details (not priced).</param>
/// <param name="Architecture">EC2's "x86_64" or "arm64".</param>
/// <param name="Tenancy">"default" (shared), "dedicated" or "host".</param>
/// <param name="Lifecycle">"on-demand", "spot" or "scheduled".</param>
/// <param name="MonthlyUsd">Its compute cost as stored (on-demand or spot price × 730; 0 when not running); null: unknown.</param>
/// <param name="StateChangedAt">When it entered its current state (EC2's state-transition reason); null when AWS does not say.</param>
public sealed record FleetInstance(string InstanceId, string? Name, string Region, string InstanceType, InstanceState State,
    string Platform, string Architecture, string Tenancy, string Lifecycle, decimal? MonthlyUsd, DateTimeOffset? StateChangedAt);

/// <summary>A live EBS volume; <paramref name="MonthlyUsd"/> null: price unknown.</summary>
public sealed record FleetVolume(string VolumeId, string? Name, string Region, string VolumeType, int SizeGiB, int? Iops,
    int? ThroughputMiBps, string? AttachedInstanceId, decimal? MonthlyUsd);

/// <summary>A live Elastic IP; not associated when <paramref name="AssociationId"/> is null.</summary>
public sealed record FleetAddress(string AllocationId, string PublicIp, string? Name, string Region, string? AssociationId, decimal? MonthlyUsd);

/// <summary>
/// Everything the engine looks at for one account: its live inventory, the utilization summary of each running instance that
/// has one (by instance id), and, when utilization could not be read for the whole account, why (shown for every instance
/// without data: "CloudWatch refused cloudwatch:GetMetricData ...").
/// </summary>
public sealed record Fleet(
    IReadOnlyList<FleetInstance> Instances,
    IReadOnlyList<FleetVolume> Volumes,
    IReadOnlyList<FleetAddress> Addresses,
    IReadOnlyDictionary<string, UtilizationSummary> Utilization,
    string? UtilizationProblem,
    DateTimeOffset Now);
