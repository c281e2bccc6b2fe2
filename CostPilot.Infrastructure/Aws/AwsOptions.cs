namespace CostPilot.Infrastructure.Aws;

/// <summary>Settings under <c>CostPilot:Aws</c> (environment: <c>CostPilot__Aws__ServiceUrl</c>, ...).</summary>
public sealed class AwsOptions
{
    /// <summary>One endpoint for every AWS service (LocalStack-style emulators, the test fake).</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Per-service overrides; each wins over <see cref="ServiceUrl"/>.</summary>
    public string? Ec2ServiceUrl { get; set; }
    public string? StsServiceUrl { get; set; }
    public string? CloudWatchServiceUrl { get; set; }

    /// <summary>The principal client roles trust. When unset, the server's own identity (STS GetCallerIdentity).</summary>
    public string? TrustedPrincipalArn { get; set; }

    /// <summary>CostPilot's own access key (optional; otherwise the SDK's default credential chain).</summary>
    public string? AccessKeyId { get; set; }
    public string? SecretAccessKey { get; set; }

    /// <summary>Let the SDK find credentials itself (profiles, ECS/EC2 instance roles). Off by default.</summary>
    public bool UseDefaultCredentialChain { get; set; }

    /// <summary>Region for global calls (STS, DescribeRegions). AWS_REGION sets it.</summary>
    public string DefaultRegion { get; set; } = "us-east-1";

    public int MaxConcurrentRegions { get; set; } = 4;
    public int MaxErrorRetry { get; set; } = 6;
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public string? Ec2Url => First(Ec2ServiceUrl, ServiceUrl);
    public string? StsUrl => First(StsServiceUrl, ServiceUrl);
    public string? CloudWatchUrl => First(CloudWatchServiceUrl, ServiceUrl);

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
