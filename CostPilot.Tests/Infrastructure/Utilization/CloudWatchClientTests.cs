using System.Net;
using System.Text;
using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Aws.CloudWatch;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using static CostPilot.Tests.Fakes.FakeMetricNames;

namespace CostPilot.Tests.Infrastructure.Utilization;

/// <summary>CloudWatchClient: splitting, paging and merging against the fake; reading odd answers from a stub endpoint.</summary>
public sealed class CloudWatchClientTests : IDisposable
{
    private const string Customer = "111122223333";
    private const string KeyId = "AKIAFAKECLOUDWATCH02";
    private const string Secret = "cloudwatch/secret/1111111111111111111111";
    private const string Region = "us-east-1";

    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly BasicAWSCredentials Key = new(KeyId, Secret);

    private readonly CloudWatchClients _clients = new();

    public void Dispose() => _clients.Dispose();

    [Fact]
    public async Task GetMetricDataAsync_501Queries_CallsOf500And1MergedInOrder()
    {
        await using var fake = await StartAsync();
        var ids = Enumerable.Range(0, 501).Select(i => $"i-{i:x16}").ToList();
        fake.Account(Customer).Metrics(Region).AddGenerated(ids);
        var queries = ids.Select((id, i) => Query($"q{i}", id)).ToList();

        var results = await _clients.Create(fake.Url).GetMetricDataAsync(Key, Region, queries, Start, Start.AddHours(6), default);

        Assert.Equal([500, 1], fake.Requests.Select(r => r.Queries).Order().Reverse());
        Assert.Equal(queries.Select(q => q.Id), results.Select(r => r.Id));
        Assert.All(results, r => Assert.Equal(MetricDataStatus.Complete, r.Status));
        var last = results[^1];
        var profile = FakeMetricProfile.For(ids[^1], 0);
        Assert.Equal(Enumerable.Range(0, 6).Select(h => Start.AddHours(h)).Where(h => !double.IsNaN(profile.Value(CpuUtilization, Average, h))), last.Timestamps);
        Assert.Equal(last.Timestamps.Select(h => profile.Value(CpuUtilization, Average, h)), last.Values);
    }

    [Fact]
    public async Task GetMetricDataAsync_TinyPages_SameResultsAsOnePage()
    {
        await using var fake = await StartAsync();
        var ids = Enumerable.Range(0, 7).Select(i => $"i-{i:x16}").ToList();
        fake.Account(Customer).Metrics(Region).AddGenerated(ids);
        var queries = ids.SelectMany((id, i) => new[] { Query($"avg{i}", id), Query($"max{i}", id, Maximum) }).ToList();

        var whole = await _clients.Create(fake.Url).GetMetricDataAsync(Key, Region, queries, Start, Start.AddHours(30), default);
        var paged = await _clients.Create(fake.Url, configure: o => o.MaxDatapoints = 13).GetMetricDataAsync(Key, Region, queries, Start, Start.AddHours(30), default);

        Assert.True(fake.Requests.Count > 25, $"{fake.Requests.Count} requests");
        Assert.Equal(whole.Select(r => (r.Id, r.Status, string.Join(',', r.Timestamps), string.Join(',', r.Values))),
            paged.Select(r => (r.Id, r.Status, string.Join(',', r.Timestamps), string.Join(',', r.Values))));
        Assert.All(whole, r => Assert.InRange(r.Values.Count, 27, 30));
    }

    [Fact]
    public async Task GetMetricDataAsync_Request_FormPostSignedForMonitoringInTheRegion()
    {
        HttpRequestMessage? sent = null;
        string? body = null;
        var client = Stub(async request =>
        {
            sent = request;
            body = await request.Content!.ReadAsStringAsync();
            return Ok(Answer(Member("q0", ["2026-11-02T00:00:00Z"], ["1.5"])));
        });

        await client.GetMetricDataAsync(new SessionAWSCredentials(KeyId, Secret, "the-session-token"), "eu-west-1",
            [Query("q0", "i-0abc")], Start, Start.AddHours(2), default);

        Assert.Equal((HttpMethod.Post, "/"), (sent!.Method, sent.RequestUri!.AbsolutePath));
        Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", sent.Content!.Headers.ContentType!.ToString());
        var authorization = sent.Headers.GetValues("Authorization").Single();
        Assert.Matches($"^AWS4-HMAC-SHA256 Credential={KeyId}/\\d{{8}}/eu-west-1/monitoring/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{{64}}$", authorization);
        Assert.Equal("the-session-token", sent.Headers.GetValues("X-Amz-Security-Token").Single());
        var form = QueryHelpers.ParseQuery(body);
        Assert.Equal(new Dictionary<string, string>
        {
            ["Action"] = "GetMetricData",
            ["Version"] = "2010-08-01",
            ["MetricDataQueries.member.1.Id"] = "q0",
            ["MetricDataQueries.member.1.MetricStat.Metric.Namespace"] = "AWS/EC2",
            ["MetricDataQueries.member.1.MetricStat.Metric.MetricName"] = "CPUUtilization",
            ["MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name"] = "InstanceId",
            ["MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value"] = "i-0abc",
            ["MetricDataQueries.member.1.MetricStat.Period"] = "3600",
            ["MetricDataQueries.member.1.MetricStat.Stat"] = "Average",
            ["StartTime"] = "2026-11-02T00:00:00Z",
            ["EndTime"] = "2026-11-02T02:00:00Z",
            ["ScanBy"] = "TimestampAscending",
        }, form.ToDictionary(p => p.Key, p => p.Value.ToString()));
        Assert.DoesNotContain(Secret, authorization + body, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_NoServiceUrl_AwsRegionalEndpoint()
    {
        var client = new CloudWatchClient(_clients.HttpClients, Options.Create(new AwsOptions()), Options.Create(new CloudWatchOptions()), TimeProvider.System);

        Assert.Equal(new Uri("https://monitoring.eu-west-1.amazonaws.com/"), client.Endpoint("eu-west-1"));
    }

    [Fact]
    public async Task GetMetricDataAsync_MembersInAnyOrderWithMessages_ReadAndMerged()
    {
        const string answer = """
            <?xml version="1.0" encoding="UTF-8"?>
            <GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
              <GetMetricDataResult>
                <Messages><member><Code>MaxQueryTimeRangeExceed</Code><Value>Too long</Value></member></Messages>
                <MetricDataResults>
                  <member>
                    <Timestamps><member>2026-11-02T01:00:00.000Z</member><member> 2026-11-02T02:00:00+00:00 </member></Timestamps>
                    <Values><member>1.2345678E7</member><member>-0.5</member></Values>
                    <Label>CPUUtilization &amp; more</Label>
                    <Messages><member><Code>ArithmeticError</Code><Value>Division by zero</Value></member></Messages>
                    <StatusCode>Complete</StatusCode>
                    <Id>q1</Id>
                  </member>
                  <member><Id>q0</Id><StatusCode>InternalError</StatusCode><Timestamps/><Values/></member>
                </MetricDataResults>
              </GetMetricDataResult>
              <ResponseMetadata><RequestId>0b3c</RequestId></ResponseMetadata>
            </GetMetricDataResponse>
            """;
        var client = Stub(_ => Task.FromResult(Ok(answer)));

        var results = await client.GetMetricDataAsync(Key, Region, [Query("q0", "i-0a"), Query("q1", "i-0b")], Start, Start.AddHours(3), default);

        Assert.Equal(MetricDataStatus.InternalError, results[0].Status);
        Assert.Empty(results[0].Values);
        Assert.Equal([Start.AddHours(1), Start.AddHours(2)], results[1].Timestamps);
        Assert.Equal([12_345_678, -0.5], results[1].Values);
        Assert.Equal(new MetricDataMessage("q1", "ArithmeticError", "Division by zero"), Assert.Single(results[1].Messages));
    }

    [Theory]
    [InlineData("<html><body>Bad gateway</body></html>")]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>q0</Id><Timestamps><member>2026-11-02T00:00:00Z</member></Timestamps><Values/></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>")]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>q0</Id><Timestamps><member>yesterday</member></Timestamps><Values><member>1</member></Values></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>")]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>q0</Id><Timestamps><member>2026-11-02T00:00:00Z</member></Timestamps><Values><member>many</member></Values></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>")]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>someone_else</Id></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>")]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>q0</Id>")]
    public async Task GetMetricDataAsync_UnreadableAnswer_ThrowsInvalidAnswerWithoutRetry(string answer)
    {
        var calls = 0;
        var client = Stub(_ =>
        {
            calls++;
            return Task.FromResult(Ok(answer));
        });

        var error = await Assert.ThrowsAsync<InventoryException>(() => client.GetMetricDataAsync(Key, Region, [Query("q0", "i-0a")], Start, Start.AddHours(1), default));

        Assert.Equal(InventoryFailure.InvalidAnswer, error.Failure);
        Assert.StartsWith("CloudWatch answered cloudwatch:GetMetricData in us-east-1 with a response CostPilot could not read", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task GetMetricDataAsync_QueryMissingFromTheAnswer_ThrowsInvalidAnswer()
    {
        var client = Stub(_ => Task.FromResult(Ok(Answer(Member("q0", [], [])))));

        var error = await Assert.ThrowsAsync<InventoryException>(() =>
            client.GetMetricDataAsync(Key, Region, [Query("q0", "i-0a"), Query("q1", "i-0b")], Start, Start.AddHours(1), default));

        Assert.Equal(InventoryFailure.InvalidAnswer, error.Failure);
        Assert.Contains("'q1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetricDataAsync_Http429AndHtml503_RetriedThenComplete()
    {
        var answers = new Queue<HttpResponseMessage>(
        [
            new HttpResponseMessage(HttpStatusCode.TooManyRequests),
            new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("<html>Service Unavailable</html>") },
            Ok(Answer(Member("q0", ["2026-11-02T00:00:00Z"], ["7"]))),
        ]);
        var client = Stub(_ => Task.FromResult(answers.Dequeue()));

        var result = Assert.Single(await client.GetMetricDataAsync(Key, Region, [Query("q0", "i-0a")], Start, Start.AddHours(1), default));

        Assert.Equal([7.0], result.Values);
        Assert.Empty(answers);
    }

    [Fact]
    public async Task GetMetricDataAsync_Unreachable_ThrowsUnavailableAfterRetries()
    {
        var calls = 0;
        var client = Stub(_ =>
        {
            calls++;
            throw new HttpRequestException("Connection refused");
        });

        var error = await Assert.ThrowsAsync<InventoryException>(() => client.GetMetricDataAsync(Key, Region, [Query("q0", "i-0a")], Start, Start.AddHours(1), default));

        Assert.Equal(InventoryFailure.Unavailable, error.Failure);
        Assert.Contains("network error", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task GetMetricDataAsync_ValidationError_NotRetriedAndSaysWhy()
    {
        var calls = 0;
        var client = Stub(_ =>
        {
            calls++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                Content = new StringContent("""<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>Sender</Type><Code>InvalidParameterCombination</Code><Message>Period too small</Message></Error><RequestId>1</RequestId></ErrorResponse>"""),
            });
        });

        var error = await Assert.ThrowsAsync<InventoryException>(() => client.GetMetricDataAsync(Key, Region, [Query("q0", "i-0a")], Start, Start.AddHours(1), default));

        Assert.Equal(InventoryFailure.Unavailable, error.Failure);
        Assert.Equal("CloudWatch refused cloudwatch:GetMetricData in us-east-1: InvalidParameterCombination (Period too small).", error.Message);
        Assert.Equal(1, calls);
    }

    [Theory]
    [InlineData("Q0")]
    [InlineData("0q")]
    [InlineData("q-0")]
    [InlineData("")]
    public async Task GetMetricDataAsync_InvalidQueryId_ThrowsArgumentException(string id)
    {
        var client = Stub(_ => throw new InvalidOperationException("no call expected"));

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetMetricDataAsync(Key, Region, [Query(id, "i-0a")], Start, Start.AddHours(1), default));
    }

    [Fact]
    public async Task GetMetricDataAsync_DuplicateQueryId_ThrowsArgumentException()
    {
        var client = Stub(_ => throw new InvalidOperationException("no call expected"));

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetMetricDataAsync(Key, Region, [Query("q", "i-0a"), Query("q", "i-0b")], Start, Start.AddHours(1), default));
    }

    private static async Task<FakeAwsServer> StartAsync()
    {
        var fake = await FakeAwsServer.StartAsync();
        fake.AddAccount(Customer).AddAccessKey(KeyId, Secret);
        return fake;
    }

    private static MetricQuery Query(string id, string instanceId, string stat = Average) =>
        new(id, Ec2Namespace, CpuUtilization, [new MetricDimension(InstanceIdDimension, instanceId)], 3600, stat);

    private static string Member(string id, string[] timestamps, string[] values) =>
        $"<member><Id>{id}</Id><Label>x</Label><Timestamps>{string.Concat(timestamps.Select(t => $"<member>{t}</member>"))}</Timestamps>" +
        $"<Values>{string.Concat(values.Select(v => $"<member>{v}</member>"))}</Values><StatusCode>Complete</StatusCode></member>";

    private static string Answer(params string[] members) =>
        $"""<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricDataResult><MetricDataResults>{string.Concat(members)}</MetricDataResults><Messages/></GetMetricDataResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetMetricDataResponse>""";

    private static HttpResponseMessage Ok(string xml) =>
        new(HttpStatusCode.OK) { Content = new StringContent(xml, Encoding.UTF8, "text/xml") };

    /// <summary>A client whose network is <paramref name="answer"/>, behind the app's resilience pipeline (2 retries, 1 ms back-off).</summary>
    private CloudWatchClient Stub(Func<HttpRequestMessage, Task<HttpResponseMessage>> answer) =>
        _clients.Create("http://cloudwatch.invalid/", maxErrorRetry: 2, primary: new Handler(answer));

    private sealed class Handler(Func<HttpRequestMessage, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => answer(request);
    }
}
