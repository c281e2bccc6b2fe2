using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Amazon.Runtime;
using CostPilot.Infrastructure.Aws.CloudWatch;
using static CostPilot.Tests.Fakes.FakeMetricNames;

namespace CostPilot.Tests.Fakes;

/// <summary>The fake's CloudWatch on the wire: raw form POSTs signed with the app's signer, XML answers read as documents.</summary>
public sealed class FakeCloudWatchApiTests : IAsyncLifetime
{
    private const string Customer = "111122223333";
    private const string KeyId = "AKIAFAKECLOUDWATCH03";
    private const string Secret = "cloudwatch/secret/2222222222222222222222";
    private const string Region = "us-east-1";

    private static readonly XNamespace Ns = FakeCloudWatchApi.Namespace;
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    private readonly HttpClient _http = new();
    private FakeAwsServer _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAwsServer.StartAsync();
        _fake.AddAccount(Customer).AddAccessKey(KeyId, Secret);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task GetMetricData_Unsigned_Answers403MissingAuthenticationToken()
    {
        using var response = await _http.PostAsync(new Uri(_fake.Url + "/"), new FormUrlEncodedContent(Form(Queries(1), Start, Start.AddHours(1))));
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("MissingAuthenticationToken", xml.Root!.Element(Ns + "Error")!.Element(Ns + "Code")!.Value);
        Assert.Equal(("monitoring", "GetMetricData"), (Assert.Single(_fake.Requests).Service, _fake.Requests[0].Action));
    }

    [Fact]
    public async Task GetMetricData_501Queries_Answers400ValidationError()
    {
        var (status, xml) = await SendAsync(Form(Queries(501), Start, Start.AddHours(1)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ValidationError", Error(xml).Code);
        Assert.Contains("greater than 500", Error(xml).Message, StringComparison.Ordinal);
        Assert.Equal(501, Assert.Single(_fake.Requests).Queries);
    }

    [Fact]
    public async Task GetMetricData_500Queries_Answers200WithEveryQuery()
    {
        var (status, xml) = await SendAsync(Form(Queries(500), Start, Start.AddHours(1)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(500, Members(xml).Count());
    }

    [Fact]
    public async Task GetMetricData_DefaultScanByAndMaxDatapoints_NewestFirstPagedWithNextToken()
    {
        var metrics = _fake.Account(Customer).Metrics(Region);
        metrics.Put("i-0", CpuUtilization, Average, [(Start, 1), (Start.AddHours(1), 2), (Start.AddHours(3), 4)]);
        metrics.Put("i-1", CpuUtilization, Average, [(Start.AddHours(2), 30)]);
        var form = Form(Queries(2), Start, Start.AddHours(4));
        form.Remove("ScanBy");
        form["MaxDatapoints"] = "2";

        var (_, first) = await SendAsync(form);
        form["NextToken"] = Token(first)!;
        var (_, second) = await SendAsync(form);

        Assert.Equal([("q0", "4,2", "PartialData"), ("q1", "", "PartialData")], Summary(first));
        Assert.Equal([("q0", "1", "Complete"), ("q1", "30", "Complete")], Summary(second));
        Assert.Equal(["2026-11-02T03:00:00Z", "2026-11-02T01:00:00Z"],
            Members(first).First().Element(Ns + "Timestamps")!.Elements(Ns + "member").Select(m => m.Value));
        Assert.Null(Token(second));
        Assert.Equal([null, Token(first)], _fake.Requests.Select(r => r.NextToken));
    }

    [Fact]
    public async Task GetMetricData_NextTokenOfAnotherRequest_Answers400InvalidNextToken()
    {
        var form = Form(Queries(1), Start, Start.AddHours(1));
        form["NextToken"] = "bm90IGEgdG9rZW4=";

        var (status, xml) = await SendAsync(form);

        Assert.Equal((HttpStatusCode.BadRequest, "InvalidNextToken"), (status, Error(xml).Code));
    }

    [Fact]
    public async Task GetMetricData_OtherNamespace_CompleteWithoutDatapoints()
    {
        _fake.Account(Customer).Metrics(Region).Put("i-0", CpuUtilization, Average, Start, 5);
        var form = Form(Queries(1), Start, Start.AddHours(1));
        form["MetricDataQueries.member.1.MetricStat.Metric.Namespace"] = "AWS/RDS";

        var (status, xml) = await SendAsync(form);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([("q0", "", "Complete")], Summary(xml));
    }

    [Theory]
    [InlineData("MetricDataQueries.member.1.MetricStat.Period", "60", "InvalidParameterValue")]
    [InlineData("MetricDataQueries.member.1.Id", "Q0", "ValidationError")]
    [InlineData("EndTime", "2026-11-01T00:00:00Z", "ValidationError")]
    [InlineData("ScanBy", "Sideways", "ValidationError")]
    public async Task GetMetricData_InvalidParameter_Answers400(string name, string value, string code)
    {
        var form = Form(Queries(1), Start, Start.AddHours(1));
        form[name] = value;

        var (status, xml) = await SendAsync(form);

        Assert.Equal((HttpStatusCode.BadRequest, code), (status, Error(xml).Code));
    }

    [Fact]
    public async Task GetMetricData_ThrottleFault_Answers400ThrottlingInTheQueryErrorFormat()
    {
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.Throttle);

        var (status, xml) = await SendAsync(Form(Queries(1), Start, Start.AddHours(1)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(("Throttling", "Rate exceeded"), Error(xml));
        Assert.Equal("Sender", xml.Root!.Element(Ns + "Error")!.Element(Ns + "Type")!.Value);
        Assert.NotEmpty(xml.Root!.Element(Ns + "RequestId")!.Value);
    }

    [Fact]
    public void Profile_SameIdAndSeed_SameValuesAndAboutTwoPercentGaps()
    {
        var a = FakeMetricProfile.For("i-0123456789abcdef0", 0);
        var b = FakeMetricProfile.For("i-0123456789abcdef0", 0);
        var hours = Enumerable.Range(0, 24 * 365).Select(h => Start.AddHours(h)).ToList();

        var values = hours.Select(h => a.Value(CpuUtilization, Average, h)).ToList();

        Assert.Equal(values, hours.Select(h => b.Value(CpuUtilization, Average, h)));
        Assert.InRange(values.Count(double.IsNaN) / (double)values.Count, 0.01, 0.03);
        Assert.All(values.Where(v => !double.IsNaN(v)), v => Assert.InRange(v, 0, 100));
        Assert.All(hours, h => Assert.True(double.IsNaN(a.Value(CpuUtilization, Average, h)) || a.Value(CpuUtilization, Maximum, h) >= a.Value(CpuUtilization, Average, h)));
        Assert.NotEqual(values, hours.Select(h => FakeMetricProfile.For("i-0123456789abcdef0", 1).Value(CpuUtilization, Average, h)));
    }

    private async Task<(HttpStatusCode Status, XDocument Xml)> SendAsync(Dictionary<string, string> form)
    {
        var body = await new FormUrlEncodedContent(form).ReadAsByteArrayAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_fake.Url + "/"));
        CloudWatchSigner.Sign(request, body, new ImmutableCredentials(KeyId, Secret, null), Region, "monitoring", DateTime.UtcNow);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    private static Dictionary<string, string> Form(IEnumerable<(string Id, string InstanceId)> queries, DateTimeOffset start, DateTimeOffset end)
    {
        var form = new Dictionary<string, string> { ["Action"] = "GetMetricData", ["Version"] = "2010-08-01" };
        var n = 0;
        foreach (var (id, instanceId) in queries)
        {
            var member = $"MetricDataQueries.member.{++n}.";
            form[member + "Id"] = id;
            form[member + "MetricStat.Metric.Namespace"] = Ec2Namespace;
            form[member + "MetricStat.Metric.MetricName"] = CpuUtilization;
            form[member + "MetricStat.Metric.Dimensions.member.1.Name"] = InstanceIdDimension;
            form[member + "MetricStat.Metric.Dimensions.member.1.Value"] = instanceId;
            form[member + "MetricStat.Period"] = "3600";
            form[member + "MetricStat.Stat"] = Average;
        }
        form["StartTime"] = start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        form["EndTime"] = end.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        form["ScanBy"] = "TimestampAscending";
        return form;
    }

    private static IEnumerable<(string, string)> Queries(int count) => Enumerable.Range(0, count).Select(i => ($"q{i}", $"i-{i}"));

    private static IEnumerable<XElement> Members(XDocument xml) =>
        xml.Root!.Element(Ns + "GetMetricDataResult")!.Element(Ns + "MetricDataResults")!.Elements(Ns + "member");

    private static List<(string Id, string Values, string Status)> Summary(XDocument xml) =>
        [.. Members(xml).Select(m => (m.Element(Ns + "Id")!.Value,
            string.Join(',', m.Element(Ns + "Values")!.Elements(Ns + "member").Select(v => v.Value)),
            m.Element(Ns + "StatusCode")!.Value))];

    private static string? Token(XDocument xml) => xml.Root!.Element(Ns + "GetMetricDataResult")!.Element(Ns + "NextToken")?.Value;

    private static (string Code, string Message) Error(XDocument xml) =>
        (xml.Root!.Element(Ns + "Error")!.Element(Ns + "Code")!.Value, xml.Root!.Element(Ns + "Error")!.Element(Ns + "Message")!.Value);
}
