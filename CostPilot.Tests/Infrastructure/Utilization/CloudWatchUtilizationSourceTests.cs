using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Aws.CloudWatch;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using static CostPilot.Tests.Fakes.FakeMetricNames;

namespace CostPilot.Tests.Infrastructure.Utilization;

/// <summary>The CloudWatch utilization source and its client, against the fake AWS's CloudWatch (real HTTP, SigV4, XML).</summary>
public sealed class CloudWatchUtilizationSourceTests : IAsyncLifetime
{
    private const string Customer = "111122223333";
    private const string KeyId = "AKIAFAKECLOUDWATCH01";
    private const string Secret = "cloudwatch/secret/0000000000000000000000";
    private const string Region = "us-east-1";
    private const int Retries = 2;

    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly BasicAWSCredentials Key = new(KeyId, Secret);

    private readonly CloudWatchClients _clients = new();
    private FakeAwsServer _fake = null!;

    private FakeAwsAccount Account => _fake.Account(Customer);

    public async Task InitializeAsync()
    {
        _fake = await FakeAwsServer.StartAsync();
        _fake.AddAccount(Customer).AddAccessKey(KeyId, Secret);
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        _clients.Dispose();
    }

    [Fact]
    public async Task GetHourlyAsync_OneInstance_FourSeriesInTheRightHoursWithGapsKept()
    {
        var metrics = Account.Metrics(Region);
        metrics.Put("i-0a", CpuUtilization, Average, [(Start, 12.5), (Start.AddHours(2), 40.25), (Start.AddHours(335), 99)]);
        metrics.Put("i-0a", CpuUtilization, Maximum, [(Start, 50), (Start.AddHours(2), 88.5)]);
        metrics.Put("i-0a", NetworkIn, Sum, [(Start.AddHours(1), 1_000_000), (Start.AddHours(2), 2_500_000)]);
        metrics.Put("i-0a", NetworkOut, Sum, [(Start.AddHours(2), 123_456)]);
        // Outside the window: before it, and its end hour (EndTime is exclusive).
        metrics.Put("i-0a", CpuUtilization, Average, [(Start.AddHours(-1), 7), (Start.AddHours(336), 8)]);

        var series = Assert.Single(await Source().GetHourlyAsync(Region, ["i-0a"], Start, UtilizationSeries.WindowHours, null, default));

        Assert.Equal(("i-0a", Start, 336), (series.InstanceId, series.Start, series.Hours));
        Assert.Equal([12.5f, float.NaN, 40.25f], series.CpuAverage[..3]);
        Assert.Equal(99f, series.CpuAverage[335]);
        Assert.Equal(3, series.CpuAverage.Count(v => !float.IsNaN(v)));
        Assert.Equal([50f, float.NaN, 88.5f], series.CpuMaximum[..3]);
        Assert.Equal([float.NaN, 1_000_000f, 2_500_000f], series.NetworkIn[..3]);
        Assert.Equal([float.NaN, float.NaN, 123_456f], series.NetworkOut[..3]);
        Assert.Equal(2, series.CpuMaximum.Count(v => !float.IsNaN(v)));
        var request = Assert.Single(_fake.Requests);
        Assert.Equal(("monitoring", "GetMetricData", Region, KeyId, 4, 200), (request.Service, request.Action, request.Region, request.AccessKeyId, request.Queries, request.StatusCode));
    }

    [Fact]
    public async Task GetHourlyAsync_130Instances_TwoCallsOf500And20QueriesInOrder()
    {
        var ids = Ids("i-0b", 130);
        Account.Metrics(Region).AddGenerated(ids);
        var progress = new Reports();

        var series = await Source().GetHourlyAsync(Region, ids, Start, 24, progress, default);

        Assert.Equal(ids, series.Select(s => s.InstanceId));
        Assert.Equal([500, 20], _fake.Requests.Select(r => r.Queries).Order().Reverse());
        // Instances done after each call: 125 then 130, or 5 then 130 when the small call ends first (two run at once).
        Assert.Equal(2, progress.Values.Count);
        Assert.True(progress.Values[0] is 5 or 125, $"first report {progress.Values[0]}");
        Assert.Equal(130, progress.Values[1]);
        AssertGenerated(series, ids);
    }

    [Fact]
    public async Task GetHourlyAsync_MoreThan100800Datapoints_FollowsNextTokenAndMergesEveryQuery()
    {
        // 125 instances x 4 metrics x 336 hours, about 2% missing: some 164,000 datapoints, two pages.
        var ids = Ids("i-0c", 125);
        Account.Metrics(Region).AddGenerated(ids);

        var series = await Source().GetHourlyAsync(Region, ids, Start, UtilizationSeries.WindowHours, null, default);

        Assert.Equal([false, true], _fake.Requests.Select(r => r.NextToken is not null));
        Assert.All(_fake.Requests, r => Assert.Equal(500, r.Queries));
        AssertGenerated(series, ids);
        Assert.InRange(series.Sum(s => s.CpuAverage.Count(v => !float.IsNaN(v)) * 4), 100_801, 168_000);
    }

    [Fact]
    public async Task GetHourlyAsync_SmallMaxDatapoints_ManyPagesStillComplete()
    {
        var ids = Ids("i-0d", 10);
        Account.Metrics(Region).AddGenerated(ids);

        var series = await Source(configure: o => o.MaxDatapoints = 500).GetHourlyAsync(Region, ids, Start, 48, null, default);

        Assert.True(_fake.Requests.Count >= 3, $"{_fake.Requests.Count} pages");
        AssertGenerated(series, ids);
    }

    [Fact]
    public async Task GetHourlyAsync_ThrottledOnce_RetriedAndComplete()
    {
        Account.Metrics(Region).AddGenerated(["i-0e"]);
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.Throttle);

        var series = await Source().GetHourlyAsync(Region, ["i-0e"], Start, 24, null, default);

        Assert.Equal([(400, "Throttling"), (200, null)], _fake.Requests.Select(r => (r.StatusCode, r.ErrorCode)));
        AssertGenerated(series, ["i-0e"]);
    }

    [Fact]
    public async Task GetHourlyAsync_ServerErrorThenTimeout_RetriedAndComplete()
    {
        Account.Metrics(Region).AddGenerated(["i-0f"]);
        _fake.TimeoutDelay = TimeSpan.FromSeconds(20);
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.ServerError);
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.Timeout);
        var source = new CloudWatchUtilizationSource(_clients.Create(_fake.Url, Retries, requestTimeout: TimeSpan.FromMilliseconds(300)), Key);

        var series = await source.GetHourlyAsync(Region, ["i-0f"], Start, 24, null, default);

        AssertGenerated(series, ["i-0f"]);
        Assert.Equal([null, "ClientClosedRequest", "InternalServiceError"], _fake.Requests.Select(r => r.ErrorCode).Order());
    }

    [Fact]
    public async Task GetHourlyAsync_ThrottledEveryTime_ThrowsThrottledAfterMaxErrorRetry()
    {
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.Throttle, times: 10);

        var error = await Assert.ThrowsAsync<InventoryException>(() => Source().GetHourlyAsync(Region, ["i-0g"], Start, 24, null, default));

        Assert.Equal(InventoryFailure.Throttled, error.Failure);
        Assert.Contains("cloudwatch:GetMetricData", error.Message, StringComparison.Ordinal);
        Assert.Equal(Retries + 1, _fake.Count("GetMetricData"));
    }

    [Fact]
    public async Task GetHourlyAsync_ServerErrorEveryTime_ThrowsUnavailable()
    {
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.ServerError, times: 10);

        var error = await Assert.ThrowsAsync<InventoryException>(() => Source().GetHourlyAsync(Region, ["i-0h"], Start, 24, null, default));

        Assert.Equal(InventoryFailure.Unavailable, error.Failure);
        Assert.Equal(Retries + 1, _fake.Count("GetMetricData"));
    }

    [Fact]
    public async Task GetHourlyAsync_PolicyWithoutCloudWatch_ThrowsAccessDeniedNamingTheActionWithoutRetry()
    {
        Account.CloudWatchDenied = true;

        var error = await Assert.ThrowsAsync<InventoryException>(() => Source().GetHourlyAsync(Region, ["i-0i"], Start, 24, null, default));

        Assert.Equal(InventoryFailure.AccessDenied, error.Failure);
        Assert.StartsWith("Access denied for cloudwatch:GetMetricData", error.Message, StringComparison.Ordinal);
        Assert.Contains("CloudFormation", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.Equal((403, "AccessDenied"), (Assert.Single(_fake.Requests).StatusCode, _fake.Requests[0].ErrorCode));
    }

    [Fact]
    public async Task GetHourlyAsync_UnauthorizedFault_ThrowsAccessDenied()
    {
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.Unauthorized);

        var error = await Assert.ThrowsAsync<InventoryException>(() => Source().GetHourlyAsync(Region, ["i-0j"], Start, 24, null, default));

        Assert.Equal(InventoryFailure.AccessDenied, error.Failure);
        Assert.StartsWith("Access denied for cloudwatch:GetMetricData", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHourlyAsync_OneOfTwoParallelCallsDenied_ThrowsAccessDeniedNotCancellation()
    {
        var ids = Ids("i-1a", 250);
        Account.Metrics(Region).AddGenerated(ids);
        _fake.Latency = TimeSpan.FromMilliseconds(50);
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.Unauthorized);

        var error = await Assert.ThrowsAsync<InventoryException>(() => Source().GetHourlyAsync(Region, ids, Start, 24, null, default));

        Assert.Equal(InventoryFailure.AccessDenied, error.Failure);
    }

    [Theory]
    [InlineData(KeyId, "not-the-secret", "SignatureDoesNotMatch")]
    [InlineData("AKIANOBODY0000000000", Secret, "InvalidClientTokenId")]
    public async Task GetHourlyAsync_BadSignatureOrUnknownKey_ThrowsInvalidCredentialsWithoutRetry(string keyId, string secret, string code)
    {
        var error = await Assert.ThrowsAsync<InventoryException>(() =>
            Source(new BasicAWSCredentials(keyId, secret)).GetHourlyAsync(Region, ["i-0k"], Start, 24, null, default));

        Assert.Equal(InventoryFailure.InvalidCredentials, error.Failure);
        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        Assert.Equal((403, code), (Assert.Single(_fake.Requests).StatusCode, _fake.Requests[0].ErrorCode));
    }

    [Fact]
    public async Task GetHourlyAsync_RegionNotEnabled_ThrowsInvalidCredentials()
    {
        Account.Region("ap-east-1", enabled: false);

        var error = await Assert.ThrowsAsync<InventoryException>(() => Source().GetHourlyAsync("ap-east-1", ["i-0l"], Start, 24, null, default));

        Assert.Equal(InventoryFailure.InvalidCredentials, error.Failure);
        Assert.Contains("ap-east-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHourlyAsync_EuWest1_ReadsEuWest1DataSignedForEuWest1()
    {
        Account.Metrics(Region).Put("i-0m", CpuUtilization, Average, Start, 11);
        Account.Metrics("eu-west-1").Put("i-0m", CpuUtilization, Average, Start, 22);

        var ireland = Assert.Single(await Source().GetHourlyAsync("eu-west-1", ["i-0m"], Start, 24, null, default));
        var virginia = Assert.Single(await Source().GetHourlyAsync(Region, ["i-0m"], Start, 24, null, default));

        Assert.Equal((22f, 11f), (ireland.CpuAverage[0], virginia.CpuAverage[0]));
        Assert.Equal(["eu-west-1", Region], _fake.Requests.Select(r => r.Region));
    }

    [Fact]
    public async Task GetHourlyAsync_AssumedRoleSession_SignsWithTheSecurityTokenAndExpiredFailsAsInvalidCredentials()
    {
        var roleArn = Account.AddRole("CostPilotAccess", "cp-external-id");
        _fake.AddAccount("999988887777").AddAccessKey("AKIAFAKECOSTPILOT001", "costpilot/secret/00000000000000000000000");
        using var sts = new Amazon.SecurityToken.AmazonSecurityTokenServiceClient(
            new BasicAWSCredentials("AKIAFAKECOSTPILOT001", "costpilot/secret/00000000000000000000000"),
            new Amazon.SecurityToken.AmazonSecurityTokenServiceConfig { ServiceURL = _fake.Url, AuthenticationRegion = Region });
        var assumed = (await sts.AssumeRoleAsync(new() { RoleArn = roleArn, RoleSessionName = "costpilot", ExternalId = "cp-external-id" })).Credentials;
        var session = new SessionAWSCredentials(assumed.AccessKeyId, assumed.SecretAccessKey, assumed.SessionToken);
        Account.Metrics(Region).Put("i-0n", CpuUtilization, Average, Start, 33);

        var series = Assert.Single(await Source(session).GetHourlyAsync(Region, ["i-0n"], Start, 24, null, default));
        _fake.ExpireTemporaryCredentials();
        var expired = await Assert.ThrowsAsync<InventoryException>(() => Source(session).GetHourlyAsync(Region, ["i-0n"], Start, 24, null, default));
        var withoutToken = await Assert.ThrowsAsync<InventoryException>(() =>
            Source(new BasicAWSCredentials(assumed.AccessKeyId, assumed.SecretAccessKey)).GetHourlyAsync(Region, ["i-0n"], Start, 24, null, default));

        Assert.Equal(33f, series.CpuAverage[0]);
        Assert.Equal(assumed.AccessKeyId, _fake.Requests.Single(r => r.Action == "GetMetricData" && r.StatusCode == 200).AccessKeyId);
        Assert.Equal(InventoryFailure.InvalidCredentials, expired.Failure);
        Assert.Contains("expired", expired.Message, StringComparison.Ordinal);
        Assert.Equal(InventoryFailure.InvalidCredentials, withoutToken.Failure);
    }

    [Fact]
    public async Task GetHourlyAsync_CancelledWhileWaiting_ThrowsOperationCanceledPromptly()
    {
        _fake.TimeoutDelay = TimeSpan.FromSeconds(20);
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.Timeout);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().GetHourlyAsync(Region, ["i-0o"], Start, 24, null, cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task GetHourlyAsync_CancelledDuringBackOff_ThrowsOperationCanceled()
    {
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.Throttle, times: 10);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var source = Source(retries: 10, configure: o => (o.RetryBaseDelay, o.MaxRetryDelay) = (TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.GetHourlyAsync(Region, ["i-0p"], Start, 24, null, cancel.Token));
    }

    [Fact]
    public async Task GetHourlyAsync_TimeoutEveryAttempt_ThrowsUnavailableNamingTheTimeout()
    {
        _fake.TimeoutDelay = TimeSpan.FromSeconds(20);
        _fake.FailNext(Customer, Region, "GetMetricData", FakeFault.Timeout, times: Retries + 1);
        var source = new CloudWatchUtilizationSource(_clients.Create(_fake.Url, Retries, requestTimeout: TimeSpan.FromMilliseconds(100)), Key);

        var error = await Assert.ThrowsAsync<InventoryException>(() => source.GetHourlyAsync(Region, ["i-0q"], Start, 24, null, default));

        Assert.Equal(InventoryFailure.Unavailable, error.Failure);
        Assert.Contains("did not answer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHourlyAsync_QueryInternalErrorOnce_AskedAgainAndComplete()
    {
        Account.Metrics(Region).AddGenerated(["i-0r", "i-0s"]);
        Account.Metrics(Region).FailQueries("i-0s", "InternalError", times: 2);

        var series = await Source().GetHourlyAsync(Region, ["i-0r", "i-0s"], Start, 24, null, default);

        AssertGenerated(series, ["i-0r", "i-0s"]);
        Assert.Equal([8, 2], _fake.Requests.Select(r => r.Queries));
    }

    [Fact]
    public async Task GetHourlyAsync_QueryInternalErrorTwice_ThrowsUnavailableNamingTheInstance()
    {
        Account.Metrics(Region).AddGenerated(["i-0t"]);
        Account.Metrics(Region).FailQueries("i-0t", "InternalError", times: 8);

        var error = await Assert.ThrowsAsync<InventoryException>(() => Source().GetHourlyAsync(Region, ["i-0t"], Start, 24, null, default));

        Assert.Equal(InventoryFailure.Unavailable, error.Failure);
        Assert.Contains("i-0t", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHourlyAsync_QueryForbidden_ThrowsAccessDenied()
    {
        Account.Metrics(Region).FailQueries("i-0u", "Forbidden");

        var error = await Assert.ThrowsAsync<InventoryException>(() => Source().GetHourlyAsync(Region, ["i-0u"], Start, 24, null, default));

        Assert.Equal(InventoryFailure.AccessDenied, error.Failure);
        Assert.StartsWith("Access denied for cloudwatch:GetMetricData", error.Message, StringComparison.Ordinal);
        Assert.Contains("i-0u", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHourlyAsync_DuplicatesAndNoData_OneSeriesPerAskAllNaN()
    {
        var series = await Source().GetHourlyAsync(Region, ["i-0v", "i-0w", "i-0v"], Start, 24, null, default);

        Assert.Equal(["i-0v", "i-0w", "i-0v"], series.Select(s => s.InstanceId));
        Assert.All(series, s => Assert.All(s.CpuAverage, v => Assert.True(float.IsNaN(v))));
        Assert.Equal(8, Assert.Single(_fake.Requests).Queries);
    }

    [Fact]
    public async Task GetHourlyAsync_NoInstances_NoCall()
    {
        Assert.Empty(await Source().GetHourlyAsync(Region, [], Start, 24, null, default));
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task GetHourlyAsync_StartNotOnTheHour_Throws() =>
        await Assert.ThrowsAsync<ArgumentException>(() => Source().GetHourlyAsync(Region, ["i-0x"], Start.AddMinutes(5), 24, null, default));

    /// <summary>Every hour of every series is what the fake generated for it (NaN where it left the hour out).</summary>
    private static void AssertGenerated(IReadOnlyList<UtilizationSeries> series, IReadOnlyList<string> ids)
    {
        foreach (var (one, id) in series.Zip(ids))
        {
            var profile = FakeMetricProfile.For(id, 0);
            Assert.Equal(id, one.InstanceId);
            for (var h = 0; h < one.Hours; h++)
            {
                var hour = one.Start.AddHours(h);
                Assert.Equal((float)profile.Value(CpuUtilization, Average, hour), one.CpuAverage[h]);
                Assert.Equal((float)profile.Value(CpuUtilization, Maximum, hour), one.CpuMaximum[h]);
                Assert.Equal((float)profile.Value(NetworkIn, Sum, hour), one.NetworkIn[h]);
                Assert.Equal((float)profile.Value(NetworkOut, Sum, hour), one.NetworkOut[h]);
            }
        }
    }

    private static string[] Ids(string prefix, int count) => [.. Enumerable.Range(0, count).Select(i => $"{prefix}{i:x15}")];

    private CloudWatchUtilizationSource Source(AWSCredentials? credentials = null, int retries = Retries, Action<CloudWatchOptions>? configure = null) =>
        new(_clients.Create(_fake.Url, retries, configure: configure), credentials ?? Key);

    /// <summary>Records progress reports as they are made (Progress&lt;T&gt; would post them later).</summary>
    private sealed class Reports : IProgress<int>
    {
        private readonly List<int> _values = [];

        public IReadOnlyList<int> Values
        {
            get
            {
                lock (_values)
                {
                    return [.. _values];
                }
            }
        }

        public void Report(int value)
        {
            lock (_values)
            {
                _values.Add(value);
            }
        }
    }
}
