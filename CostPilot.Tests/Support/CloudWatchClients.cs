using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Aws.CloudWatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CostPilot.Tests.Support;

/// <summary>
/// Real <see cref="CloudWatchClient"/>s, their HttpClient from <see cref="IHttpClientFactory"/> as the app registers it, pointed
/// at a fake AWS. Quick back-off (1 ms base) unless configured: tests do not wait out real retry delays.
/// </summary>
public sealed class CloudWatchClients : IDisposable
{
    private readonly ServiceProvider _services;

    public CloudWatchClients()
    {
        var services = new ServiceCollection();
        services.AddHttpClient(CloudWatchClient.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);
        _services = services.BuildServiceProvider();
    }

    public IHttpClientFactory HttpClients => _services.GetRequiredService<IHttpClientFactory>();

    public CloudWatchClient Create(string serviceUrl, int maxErrorRetry = 3, TimeSpan? requestTimeout = null,
        Action<CloudWatchOptions>? configure = null, TimeProvider? clock = null)
    {
        var aws = new AwsOptions
        {
            CloudWatchServiceUrl = serviceUrl,
            MaxErrorRetry = maxErrorRetry,
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10),
        };
        var cloudWatch = new CloudWatchOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(20) };
        configure?.Invoke(cloudWatch);
        return new CloudWatchClient(HttpClients, Options.Create(aws), Options.Create(cloudWatch), clock ?? TimeProvider.System);
    }

    public void Dispose() => _services.Dispose();
}
