namespace CostPilot.Domain.Recommendations;

/// <summary>
/// What a gp2 volume delivers, by size, and the gp3 settings that match it. From the Amazon EBS User Guide, "General Purpose
/// SSD volumes", gp2 performance (https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp2-performance):
/// a baseline of 3 IOPS per GiB, at least 100 IOPS and at most 16,000 (reached at 5,334 GiB); throughput "Volumes that are
/// 170 GiB and smaller deliver a maximum throughput of 128 MiB/s. Volumes larger than 170 GiB but smaller than 334 GiB can
/// burst to a maximum throughput of 250 MiB/s. Volumes that are 334 GiB and larger deliver 250 MiB/s." gp3 includes
/// 3,000 IOPS and 125 MiB/s (<see cref="Pricing.Costs.Gp3FreeIops"/>); the match provisions at least that.
/// </summary>
public static class Gp2Performance
{
    public const int IopsPerGiB = 3;
    public const int MinIops = 100;
    public const int MaxIops = 16_000;

    /// <summary>At or below this size gp2 delivers at most <see cref="SmallVolumeThroughputMiBps"/>; above it, up to 250 MiB/s.</summary>
    public const int SmallVolumeMaxGiB = 170;
    public const int SmallVolumeThroughputMiBps = 128;
    public const int LargeVolumeThroughputMiBps = 250;

    /// <summary>gp2's baseline IOPS: 3 per GiB, between 100 and 16,000.</summary>
    public static int BaselineIops(int sizeGiB) => (int)Math.Clamp(IopsPerGiB * (long)sizeGiB, MinIops, MaxIops);

    /// <summary>gp2's maximum throughput: 128 MiB/s up to 170 GiB, 250 MiB/s above (bursting below 334 GiB, sustained from there).</summary>
    public static int ThroughputMiBps(int sizeGiB) => sizeGiB <= SmallVolumeMaxGiB ? SmallVolumeThroughputMiBps : LargeVolumeThroughputMiBps;

    /// <summary>The gp3 IOPS that match a gp2 volume: its baseline, and never below gp3's included 3,000.</summary>
    public static int Gp3Iops(int sizeGiB) => Math.Max(Pricing.Costs.Gp3FreeIops, BaselineIops(sizeGiB));
}
