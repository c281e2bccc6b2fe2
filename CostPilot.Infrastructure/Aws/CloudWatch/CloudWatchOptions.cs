namespace CostPilot.Infrastructure.Aws.CloudWatch;

/// <summary>
/// Settings under <c>CostPilot:CloudWatch</c>. The endpoint, retry count and per-attempt timeout are the AWS ones
/// (<see cref="AwsOptions.CloudWatchUrl"/>, <see cref="AwsOptions.MaxErrorRetry"/>, <see cref="AwsOptions.RequestTimeout"/>).
/// </summary>
public sealed class CloudWatchOptions
{
    public const string Section = "CostPilot:CloudWatch";

    /// <summary>GetMetricData calls (of up to 500 queries each) one utilization read keeps in flight at once.</summary>
    public int MaxConcurrentCalls { get; set; } = 2;

    /// <summary>The first retry waits up to this long (full jitter); each further retry doubles the ceiling.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>No retry waits longer than this.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Datapoints per answer before CloudWatch pages (it allows up to 100,800, its default). Null: not sent.</summary>
    public int? MaxDatapoints { get; set; }
}
