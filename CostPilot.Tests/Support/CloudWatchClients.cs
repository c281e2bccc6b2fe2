using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Aws.CloudWatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CostPilot.Tests.Support;

/// <summary>
/// Real <see cref="CloudWatchClient"/>s, their HttpClient from <see cref="IHttpClientFactory"/> with the resilience pipeline
/// as the app registers it, pointed at a fake AWS (or at <c>primary</c>, a handler standing for the network). Quick back-off
/// (1 ms base) unless configured: tests do not wait out real retry delays.
/// </summary>
public sealed class CloudWatchClients : IDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    /// <summary>The factory behind the client created last (one with the default settings before any).</summary>
    public IHttpClientFactory HttpClients
    {
        get
        {
            lock (_providers)
            {
                if (_providers.Count == 0)
                {
                    Create("http://cloudwatch.invalid/");
                }
                return _providers[^1].GetRequiredService<IHttpClientFactory>();
            }
        }
    }

    public CloudWatchClient Create(string serviceUrl, int maxErrorRetry = 3, TimeSpan? requestTimeout = null,
        Action<CloudWatchOptions>? configure = null, TimeProvider? clock = null, HttpMessageHandler? primary = null)
    {
        var aws = new AwsOptions
        {
            CloudWatchServiceUrl = serviceUrl,
            MaxErrorRetry = maxErrorRetry,
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10),
        };
        var cloudWatch = new CloudWatchOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(20) };
        configure?.Invoke(cloudWatch);
        var services = new ServiceCollection();
        var http = services.AddHttpClient(CloudWatchClient.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);
        if (primary is not null)
        {
            http.ConfigurePrimaryHttpMessageHandler(() => primary);
        }
        http.AddCostPilotResilience(_ => CloudWatchClient.Resilience(aws, cloudWatch), CloudWatchClient.IsRetryableAnswerAsync);
        var provider = services.BuildServiceProvider();
        lock (_providers)
        {
            _providers.Add(provider);
        }
        return new CloudWatchClient(provider.GetRequiredService<IHttpClientFactory>(), Options.Create(aws), Options.Create(cloudWatch), clock ?? TimeProvider.System);
    }

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }
}
