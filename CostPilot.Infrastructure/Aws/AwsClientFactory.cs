using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Microsoft.Extensions.Options;

namespace CostPilot.Infrastructure.Aws;

/// <summary>
/// Every AWS client CostPilot creates comes from here, so the endpoint override, retries with
/// throttling back-off and timeouts apply everywhere.
/// </summary>
public sealed class AwsClientFactory(IOptions<AwsOptions> options, AwsSdkHttpClientFactory? httpClients = null)
{
    public AwsOptions Options => options.Value;

    public IAmazonEC2 CreateEc2(AWSCredentials credentials, string region)
    {
        var config = new AmazonEC2Config();
        Apply(config, options.Value.Ec2Url, region);
        return new AmazonEC2Client(credentials, config);
    }

    public IAmazonSecurityTokenService CreateSts(AWSCredentials credentials, string? region = null)
    {
        var config = new AmazonSecurityTokenServiceConfig();
        Apply(config, options.Value.StsUrl, region ?? options.Value.DefaultRegion);
        return new AmazonSecurityTokenServiceClient(credentials, config);
    }

    private void Apply(ClientConfig config, string? serviceUrl, string region)
    {
        if (serviceUrl is not null)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        // Not Adaptive: in this SDK its rate limiter cannot retry the first throttle of a new client (aws/aws-sdk-net#4476).
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = options.Value.MaxErrorRetry;
        config.Timeout = options.Value.RequestTimeout;
        if (httpClients is not null)
        {
            config.HttpClientFactory = httpClients;
        }
    }
}
