using System.Buffers;
using System.Net;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using Microsoft.Extensions.Options;

namespace CostPilot.Infrastructure.Aws.CloudWatch;

/// <summary>
/// A small client for CloudWatch's GetMetricData over the Query protocol (AWSSDK.CloudWatch is not available here): form POST,
/// XML answer (read by a UTF-8 scanner), SigV4 with AWSSDK.Core's signer. Splits a request into calls of at most <see cref="MaxQueriesPerCall"/>
/// queries, follows NextToken, and translates
/// failures into <see cref="InventoryException"/>s. Its HttpClient retries throttling, 5xx, network errors and timeouts with
/// jittered exponential back-off (<see cref="HttpResilience"/>: <see cref="AwsOptions.MaxErrorRetry"/> retries,
/// <see cref="AwsOptions.RequestTimeout"/> per attempt). Thread-safe; one instance serves every account (credentials per call).
/// </summary>
public sealed partial class CloudWatchClient(
    IHttpClientFactory httpClients,
    IOptions<AwsOptions> awsOptions,
    IOptions<CloudWatchOptions> options,
    TimeProvider clock)
{
    /// <summary>The named <see cref="HttpClient"/> (registered without a timeout: its resilience pipeline times each attempt).</summary>
    public const string HttpClientName = "CostPilot.CloudWatch";

    /// <summary>CloudWatch's limit of queries in one GetMetricData call.</summary>
    public const int MaxQueriesPerCall = 500;

    /// <summary>The SigV4 service name (and endpoint prefix) of CloudWatch.</summary>
    public const string SigningName = "monitoring";

    /// <summary>An answer bigger than this is not a GetMetricData page (100,800 datapoints take about 7 MB).</summary>
    private const int MaxAnswerBytes = 64 << 20;

    /// <summary>A guard against an endpoint that never stops paging.</summary>
    private const int MaxPagesPerCall = 10_000;

    public CloudWatchOptions Options => options.Value;

    /// <summary>
    /// Reads <paramref name="queries"/> over [<paramref name="start"/>, <paramref name="end"/>) in <paramref name="region"/>,
    /// handing each page's datapoints to <paramref name="receiver"/> as it arrives. Calls are made one after another.
    /// </summary>
    public async Task<MetricDataSummary> GetMetricDataAsync(AWSCredentials credentials, string region, IReadOnlyList<MetricQuery> queries,
        DateTimeOffset start, DateTimeOffset end, MetricDataReceiver receiver, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(receiver);
        if (end <= start)
        {
            throw new ArgumentException($"The end ({end:O}) must come after the start ({start:O}).", nameof(end));
        }
        Validate(queries);

        var endpoint = Endpoint(region);
        var statuses = new MetricDataStatus[queries.Count];
        var seen = new bool[queries.Count];
        var messages = new List<MetricDataMessage>();
        var calls = 0;
        long datapoints = 0;
        for (var offset = 0; offset < queries.Count; offset += MaxQueriesPerCall)
        {
            var count = Math.Min(MaxQueriesPerCall, queries.Count - offset);
            var ids = new Dictionary<string, int>(count, StringComparer.Ordinal);
            var idsByQuery = new string[count];
            for (var i = 0; i < count; i++)
            {
                ids.Add(queries[offset + i].Id, i);
                idsByQuery[i] = queries[offset + i].Id;
            }
            var lookup = ids.GetAlternateLookup<ReadOnlySpan<char>>();
            var body = GetMetricDataRequest.Body(queries, offset, count, start, end, Options.MaxDatapoints);
            string? token = null;
            var pages = 0;
            do
            {
                using var page = await SendAsync(credentials, region, endpoint, GetMetricDataRequest.WithNextToken(body, token), lookup, idsByQuery, ct);
                calls++;
                pages++;
                datapoints += page.Datapoints;
                foreach (var member in page.Members)
                {
                    var query = offset + member.Query;
                    statuses[query] = !seen[query] || statuses[query] is MetricDataStatus.Complete or MetricDataStatus.PartialData
                        ? member.Status
                        : statuses[query];
                    seen[query] = true;
                    receiver(query, page.Timestamps(member), page.Values(member));
                }
                messages.AddRange(page.Messages);
                if (page.NextToken is not null && page.NextToken == token)
                {
                    throw CloudWatchErrors.Incomplete(region, "it sent the same NextToken twice.");
                }
                if (pages >= MaxPagesPerCall && page.NextToken is not null)
                {
                    throw CloudWatchErrors.Incomplete(region, $"it was still paging after {MaxPagesPerCall:N0} pages.");
                }
                token = page.NextToken;
            }
            while (token is not null);

            var missing = Array.FindIndex(seen, offset, count, s => !s);
            if (missing >= 0)
            {
                throw CloudWatchErrors.Incomplete(region, $"no result for query '{queries[missing].Id}'.");
            }
        }
        return new MetricDataSummary(statuses, messages, calls, datapoints);
    }

    /// <summary>The same read, merged per query: one result per query, in the order asked.</summary>
    public async Task<IReadOnlyList<MetricDataResult>> GetMetricDataAsync(AWSCredentials credentials, string region, IReadOnlyList<MetricQuery> queries,
        DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var timestamps = queries.Select(_ => new List<DateTimeOffset>()).ToArray();
        var values = queries.Select(_ => new List<double>()).ToArray();
        var summary = await GetMetricDataAsync(credentials, region, queries, start, end, (query, at, value) =>
        {
            timestamps[query].AddRange(at);
            values[query].AddRange(value);
        }, ct);
        return [.. queries.Select((q, i) => new MetricDataResult(q.Id, summary.Statuses[i], timestamps[i], values[i],
            [.. summary.Messages.Where(m => m.QueryId == q.Id)]))];
    }

    /// <summary>The endpoint for <paramref name="region"/>: the configured CloudWatch (or common) service URL, else AWS's own.</summary>
    internal Uri Endpoint(string region)
    {
        var url = awsOptions.Value.CloudWatchUrl ?? $"https://{SigningName}.{region}.amazonaws.com/";
        return Uri.TryCreate(url, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https"
            ? endpoint
            : throw new InventoryException(InventoryFailure.Unavailable, $"The CloudWatch service URL '{url}' is not an http(s) URL.");
    }

    /// <summary>A request of one page, signed at the current time with the current credentials (they may have been refreshed).</summary>
    internal async Task<HttpRequestMessage> CreateRequestAsync(AWSCredentials credentials, string region, Uri endpoint, byte[] body)
    {
        ImmutableCredentials current;
        try
        {
            current = await credentials.GetCredentialsAsync();
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or IOException)
        {
            throw AwsErrors.Translate(e, $"{CloudWatchErrors.Action} in {region} (getting credentials)");
        }
        if (current is null || string.IsNullOrEmpty(current.AccessKey))
        {
            throw new InventoryException(InventoryFailure.InvalidCredentials, $"No AWS credentials to sign {CloudWatchErrors.Action} in {region} with.");
        }
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        CloudWatchSigner.Sign(request, body, current, region, SigningName, clock.GetUtcNow().UtcDateTime);
        return request;
    }

    private async Task<MetricDataPage> SendAsync(AWSCredentials credentials, string region, Uri endpoint, byte[] body,
        Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> ids, string[] idsByQuery, CancellationToken ct)
    {
        // Retries, back-off, the per-attempt time limit and the circuit breaker are the HttpClient's resilience pipeline
        // (HttpResilience, registered with the client): this sends once and says how it ended.
        var http = httpClients.CreateClient(HttpClientName);
        using var request = await CreateRequestAsync(credentials, region, endpoint, body);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var (buffer, length) = await ReadAnswerAsync(response, ct);
            try
            {
                if (response.IsSuccessStatusCode)
                {
                    try
                    {
                        return MetricDataPage.Read(buffer.AsSpan(0, length), ids, idsByQuery);
                    }
                    catch (FormatException e)
                    {
                        throw CloudWatchErrors.Unreadable(e, region);
                    }
                }
                using var answer = new MemoryStream(buffer, 0, length, writable: false);
                throw CloudWatchErrors.Translate(CloudWatchError.Read((int)response.StatusCode, answer), region, Attempts(request));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (HttpResilience.IsAttemptTimeout(e) || e is OperationCanceledException)
        {
            throw CloudWatchErrors.Timeout(e, region, awsOptions.Value.RequestTimeout, Attempts(request));
        }
        catch (Exception e) when (HttpResilience.IsCircuitOpen(e))
        {
            throw CloudWatchErrors.CircuitOpen(e, region);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw CloudWatchErrors.Network(e, region, Attempts(request));
        }
    }

    private static int Attempts(HttpRequestMessage request) => Math.Max(1, HttpResilience.AttemptsOf(request));

    /// <summary>The resilience of the CloudWatch HttpClient: the AWS retry count and attempt timeout, CloudWatch's back-off.</summary>
    public static HttpResilienceSettings Resilience(AwsOptions aws, CloudWatchOptions cloudWatch)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(cloudWatch);
        return new HttpResilienceSettings(aws.MaxErrorRetry, aws.RequestTimeout, cloudWatch.RetryBaseDelay, cloudWatch.MaxRetryDelay);
    }

    /// <summary>An answer that failed for a reason worth another attempt (throttling, a server fault) though its status is 400.</summary>
    public static async ValueTask<bool> IsRetryableAnswerAsync(HttpResponseMessage response, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        await response.Content.LoadIntoBufferAsync(ct);
        var body = await response.Content.ReadAsStreamAsync(ct);
        try
        {
            return CloudWatchError.Read((int)response.StatusCode, body).IsRetryable;
        }
        finally
        {
            if (body.CanSeek)
            {
                body.Position = 0;
            }
        }
    }

    /// <summary>The whole body into a pooled buffer (return it to <see cref="ArrayPool{T}.Shared"/>), so a page is parsed only once it arrived whole.</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadAnswerAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var declared = response.Content.Headers.ContentLength;
        if (declared > MaxAnswerBytes)
        {
            throw new InventoryException(InventoryFailure.InvalidAnswer, $"CloudWatch answered {CloudWatchErrors.Action} with {declared:N0} bytes, more than a page can be.");
        }
        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)declared.Value + 1 : 64 << 10);
        var length = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxAnswerBytes)
                    {
                        throw new InventoryException(InventoryFailure.InvalidAnswer, $"CloudWatch answered {CloudWatchErrors.Action} with more than {MaxAnswerBytes:N0} bytes.");
                    }
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length), ct);
                if (read == 0)
                {
                    return (buffer, length);
                }
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static void Validate(IReadOnlyList<MetricQuery> queries)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var query in queries)
        {
            ArgumentNullException.ThrowIfNull(query, nameof(queries));
            if (query.Id is null || query.Id.Length > 255 || !QueryIdPattern().IsMatch(query.Id))
            {
                throw new ArgumentException($"'{query.Id}' is not a valid CloudWatch query id (a lowercase letter, then letters, digits or '_').", nameof(queries));
            }
            if (!ids.Add(query.Id))
            {
                throw new ArgumentException($"The query id '{query.Id}' is used twice.", nameof(queries));
            }
            if (query.PeriodSeconds <= 0 || string.IsNullOrWhiteSpace(query.Namespace) || string.IsNullOrWhiteSpace(query.MetricName)
                || string.IsNullOrWhiteSpace(query.Stat) || query.Dimensions is null)
            {
                throw new ArgumentException($"The query '{query.Id}' needs a namespace, a metric name, dimensions, a positive period and a statistic.", nameof(queries));
            }
        }
    }

    [GeneratedRegex("^[a-z][a-zA-Z0-9_]*$")]
    internal static partial Regex QueryIdPattern();
}
