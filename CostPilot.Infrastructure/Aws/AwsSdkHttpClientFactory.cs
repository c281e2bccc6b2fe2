using Amazon.Runtime;

namespace CostPilot.Infrastructure.Aws;

/// <summary>
/// Gives the AWS SDK's clients (EC2, STS) their HttpClient from <see cref="IHttpClientFactory"/>: pooled handlers, and every
/// call under the same HTTP instrumentation as CostPilot's own clients. No resilience handler: the SDK retries its calls itself
/// (<see cref="AwsOptions.MaxErrorRetry"/>), and a second layer would multiply the attempts.
/// </summary>
public sealed class AwsSdkHttpClientFactory(IHttpClientFactory httpClients) : HttpClientFactory
{
    public const string HttpClientName = "CostPilot.AwsSdk";

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        var http = httpClients.CreateClient(HttpClientName);
        if (clientConfig.Timeout is { } timeout)
        {
            http.Timeout = timeout;
        }
        return http;
    }

    // IHttpClientFactory pools and rotates the handlers: the SDK neither caches nor disposes of what it is given.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string GetConfigUniqueString(IClientConfig clientConfig) => HttpClientName;
}
