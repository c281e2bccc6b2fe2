namespace CostPilot.Domain.Recommendations;

/// <summary>The engine's thresholds (setting section <c>CostPilot:Recommendations</c>); the defaults are the documented ones.</summary>
public sealed class RecommendationSettings
{
    /// <summary>Hourly CPU points an instance needs (of 336 in 14 days) before it gets compute advice.</summary>
    public int MinHourlyPoints { get; set; } = 72;

    /// <summary>Idle: the maximum of the hourly CPU maxima stays below this (percent)...</summary>
    public double IdleMaxCpuPercent { get; set; } = 5;

    /// <summary>...and network in + out stays below this many bytes per day (5 MB).</summary>
    public double IdleMaxNetworkBytesPerDay { get; set; } = 5_000_000;

    /// <summary>Rightsize when the p95 of hourly CPU averages is below this (percent)...</summary>
    public double RightsizeBelowP95 { get; set; } = 40;

    /// <summary>...to the smallest size of the family whose vCPUs keep the projected p95 below this (percent).</summary>
    public double RightsizeTargetP95 { get; set; } = 60;

    /// <summary>Above this p95 (percent) an instance is under-provisioned and gets no compute advice.</summary>
    public double HotAboveP95 { get; set; } = 80;

    /// <summary>Burstable (t) families are never rightsized below this many vCPUs.</summary>
    public int MinBurstableVCpus { get; set; } = 2;

    /// <summary>A stopped instance is "stopped long" after this many days in the stopped state.</summary>
    public int StoppedLongDays { get; set; } = 30;

    /// <summary>The highest risk a recommendation may carry; riskier ones are not made.</summary>
    public RecommendationRisk MaxRisk { get; set; } = RecommendationRisk.Medium;
}
