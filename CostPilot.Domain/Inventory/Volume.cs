namespace CostPilot.Domain.Inventory;

/// <summary>An EBS volume as last seen by discovery.</summary>
public sealed class Volume
{
    private Volume() { } // EF

    public long Id { get; private set; }
    public Guid AccountId { get; private set; }
    public string Region { get; private set; } = "";
    public string VolumeId { get; private set; } = "";
    public int SizeGiB { get; private set; }
    public string VolumeType { get; private set; } = "";
    public int? Iops { get; private set; }
    public int? ThroughputMiBps { get; private set; }
    public string State { get; private set; } = "";
    public string? AvailabilityZone { get; private set; }
    public string? AttachedInstanceId { get; private set; }
    public Dictionary<string, string> Tags { get; private set; } = [];
    public DateTimeOffset LastSeenAt { get; private set; }

    /// <summary>Storage plus provisioned IOPS and throughput per month (<see cref="Pricing.Costs.Volume"/>); null: price unknown.</summary>
    public decimal? MonthlyUsd { get; private set; }

    /// <summary>Not attached to any instance: paid for, used by nothing.</summary>
    public bool IsIdle => AttachedInstanceId is null;
}

/// <summary>An Elastic IP address as last seen by discovery; unattached ones cost money for nothing.</summary>
public sealed class ElasticAddress
{
    private ElasticAddress() { } // EF

    public long Id { get; private set; }
    public Guid AccountId { get; private set; }
    public string Region { get; private set; } = "";
    public string AllocationId { get; private set; } = "";
    public string PublicIp { get; private set; } = "";
    public string? InstanceId { get; private set; }
    public string? AssociationId { get; private set; }
    public string Domain { get; private set; } = "vpc";
    public Dictionary<string, string> Tags { get; private set; } = [];
    public DateTimeOffset LastSeenAt { get; private set; }

    /// <summary>The public IPv4 rate × 730 (<see cref="Pricing.Costs.Address"/>), attached or not; null: price unknown.</summary>
    public decimal? MonthlyUsd { get; private set; }

    /// <summary>Associated with nothing: AWS still bills the address every hour.</summary>
    public bool IsIdle => AssociationId is null;
}
