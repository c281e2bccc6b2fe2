using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace CostPilot.Infrastructure.Aws;

/// <summary>How hard one hand-written HTTP client tries: retries after the first attempt, each attempt's time limit, back-off bounds.</summary>
public sealed record HttpResilienceSettings(int MaxRetries, TimeSpan AttemptTimeout, TimeSpan BaseDelay, TimeSpan MaxDelay);

/// <summary>
/// The one resilience pipeline (Microsoft.Extensions.Http.Resilience, i.e. Polly) of every hand-written HTTP client (CloudWatch,
/// the Price List): retries with full jitter on throttling, 5xx, 408, network errors and attempt timeouts; a circuit breaker per
/// endpoint (scheme, host and port) that stops calling an endpoint failing most calls for a while; a time limit per attempt.
/// The AWS SDK's own clients keep the SDK's retry (<see cref="AwsClientFactory"/>): no call is retried twice over.
/// </summary>
public static class HttpResilience
{
    /// <summary>The request option that counts the attempts made for one request (for messages that say how many).</summary>
    public static readonly HttpRequestOptionsKey<int> Attempts = new("costpilot.attempts");

    /// <summary>
    /// Adds the pipeline to <paramref name="http"/>, with <paramref name="settings"/> read from the client's services each time the
    /// pipeline is built; <paramref name="isTransient"/> recognises a throttled or failed answer that HTTP's status does not
    /// (AWS query APIs throttle with 400 and an error code in the body).
    /// </summary>
    public static IHttpClientBuilder AddCostPilotResilience(this IHttpClientBuilder http, Func<IServiceProvider, HttpResilienceSettings> settings,
        Func<HttpResponseMessage, CancellationToken, ValueTask<bool>>? isTransient = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(settings);
        http.AddResilienceHandler("costpilot", (pipeline, context) =>
        {
            var s = settings(context.ServiceProvider);
            async ValueTask<bool> shouldHandle(Outcome<HttpResponseMessage> outcome, CancellationToken ct) =>
#pragma warning disable CA2016 // The overload taking the token is experimental (EXTEXP0001); a cancelled call is not retried anyway.
                HttpClientResiliencePredicates.IsTransient(outcome)
#pragma warning restore CA2016
                || (outcome.Result is { StatusCode: HttpStatusCode.BadRequest } answer && isTransient is not null && await isTransient(answer, ct));
            pipeline
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(0, s.MaxRetries),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = s.BaseDelay,
                    MaxDelay = s.MaxDelay,
                    // Retry-After, when AWS sends one, is honoured (HttpRetryStrategyOptions' default).
                    ShouldHandle = args => args.Outcome.Exception is OperationCanceledException
                        ? ValueTask.FromResult(false)
                        : shouldHandle(args.Outcome, args.Context.CancellationToken),
                })
                .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.8,
                    MinimumThroughput = 20,
                    SamplingDuration = TimeSpan.FromMinutes(1),
                    BreakDuration = TimeSpan.FromSeconds(30),
                    ShouldHandle = args => shouldHandle(args.Outcome, args.Context.CancellationToken),
                })
                .AddTimeout(new HttpTimeoutStrategyOptions
                {
                    Timeout = s.AttemptTimeout > TimeSpan.Zero ? s.AttemptTimeout : TimeSpan.FromDays(1),
                });
        }).SelectPipelineByAuthority();
        // Inside the pipeline: sees every attempt.
        http.AddHttpMessageHandler(() => new AttemptCounter());
        return http;
    }

    /// <summary>The attempts made for <paramref name="request"/> so far (0 before it was sent).</summary>
    public static int AttemptsOf(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Options.TryGetValue(Attempts, out var attempts) ? attempts : 0;
    }

    private sealed class AttemptCounter : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Options.Set(Attempts, AttemptsOf(request) + 1);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Whether a failure is the pipeline giving up early: the endpoint's circuit is open.</summary>
    public static bool IsCircuitOpen(Exception e) => e is BrokenCircuitException;

    /// <summary>Whether a failure is an attempt's time limit.</summary>
    public static bool IsAttemptTimeout(Exception e) => e is TimeoutRejectedException;
}
