using System.Diagnostics;
using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Xunit.Abstractions;

namespace CostPilot.Tests.Fakes;

/// <summary>The fake, exercised through the real AWS SDK clients (signing, retries, paging, error parsing).</summary>
public sealed class FakeAwsServerTests(ITestOutputHelper output)
{
    private const string Customer = "111122223333";
    private const string CostPilot = "999988887777";
    private const string KeyId = "AKIAFAKECUSTOMER0001";
    private const string Secret = "customer/secret/0000000000000000000000000";
    private const string CostPilotKeyId = "AKIAFAKECOSTPILOT001";
    private const string CostPilotSecret = "costpilot/secret/00000000000000000000000";
    private const string Region = "us-east-1";

    private static readonly BasicAWSCredentials CustomerKey = new(KeyId, Secret);

    private static readonly DateTimeOffset SpotEpoch = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string> HostileTags = new()
    {
        ["Name"] = "<b>&\"",
        ["script"] = "<script>alert('x')</script> & ]]>",
        ["a&b<c>\"'"] = "key with markup",
        ["unicode"] = "ünïcødé 日本語 🚀",
        ["newlines"] = "line1\r\nline2\tend",
        ["padded"] = "  padded  ",
        ["empty"] = "",
        ["blank"] = "   ",
    };

    [Fact]
    public async Task GetCallerIdentity_AccessKey_ReturnsAccountAndUserArn()
    {
        await using var fake = await StartWithCustomerAsync();
        using var sts = Sts(fake, CustomerKey);

        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());

        Assert.Equal(Customer, identity.Account);
        Assert.Equal($"arn:aws:iam::{Customer}:user/fake", identity.Arn);
        Assert.StartsWith("AIDA", identity.UserId, StringComparison.Ordinal);
        var request = Assert.Single(fake.Requests);
        Assert.Equal(("sts", "GetCallerIdentity", Region, KeyId, 200), (request.Service, request.Action, request.Region, request.AccessKeyId, request.StatusCode));
    }

    [Fact]
    public async Task WrongSecret_StsAndEc2_RejectTheSignature()
    {
        await using var fake = await StartWithCustomerAsync();
        var wrong = new BasicAWSCredentials(KeyId, "not-the-secret");
        using var sts = Sts(fake, wrong);
        using var ec2 = Ec2(fake, wrong);

        var stsError = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()));
        var ec2Error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()));

        Assert.Equal(("SignatureDoesNotMatch", 403), (stsError.ErrorCode, (int)stsError.StatusCode));
        Assert.Equal(("AuthFailure", 401), (ec2Error.ErrorCode, (int)ec2Error.StatusCode));
    }

    [Fact]
    public async Task GetCallerIdentity_UnknownKey_ThrowsInvalidClientTokenId()
    {
        await using var fake = await StartWithCustomerAsync();
        using var sts = Sts(fake, new BasicAWSCredentials("AKIANOBODY0000000000", Secret));

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()));

        Assert.Equal(("InvalidClientTokenId", 403), (error.ErrorCode, (int)error.StatusCode));
    }

    [Fact]
    public async Task AssumeRole_RightExternalId_TemporaryCredentialsWorkForStsAndEc2()
    {
        await using var fake = await StartWithCustomerAsync();
        fake.AddAccount(CostPilot).AddAccessKey(CostPilotKeyId, CostPilotSecret);
        var customerRole = CustomerAccount(fake).AddRole("CostPilotAccess", "cp-external-id");
        using var sts = Sts(fake, new BasicAWSCredentials(CostPilotKeyId, CostPilotSecret));

        var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = customerRole,
            RoleSessionName = "costpilot-scan",
            ExternalId = "cp-external-id",
        });

        var credentials = assumed.Credentials;
        Assert.Matches("^ASIA[A-Z0-9]{16}$", credentials.AccessKeyId);
        Assert.Equal(40, credentials.SecretAccessKey.Length);
        Assert.False(string.IsNullOrEmpty(credentials.SessionToken));
        Assert.InRange(credentials.Expiration!.Value.ToUniversalTime(), DateTime.UtcNow.AddMinutes(55), DateTime.UtcNow.AddMinutes(65));
        Assert.Equal($"arn:aws:sts::{Customer}:assumed-role/CostPilotAccess/costpilot-scan", assumed.AssumedRoleUser.Arn);

        var session = new SessionAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken);
        using var stsAsCustomer = Sts(fake, session);
        var identity = await stsAsCustomer.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal(Customer, identity.Account);
        Assert.Equal(assumed.AssumedRoleUser.Arn, identity.Arn);

        using var ec2 = Ec2(fake, session);
        var instances = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest());
        Assert.Equal("i-0000000000000001", Assert.Single(Assert.Single(instances.Reservations).Instances).InstanceId);

        using var withoutToken = Ec2(fake, new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey));
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => withoutToken.DescribeInstancesAsync(new DescribeInstancesRequest()));
        Assert.Equal("AuthFailure", error.ErrorCode);

        fake.ExpireTemporaryCredentials();
        var expired = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()));
        Assert.Equal("RequestExpired", expired.ErrorCode);
    }

    [Theory]
    [InlineData("wrong-external-id")]
    [InlineData(null)]
    public async Task AssumeRole_WrongOrMissingExternalId_ThrowsAccessDenied(string? externalId)
    {
        await using var fake = await StartWithCustomerAsync();
        var roleArn = CustomerAccount(fake).AddRole("CostPilotAccess", "cp-external-id");
        using var sts = Sts(fake, CustomerKey);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = roleArn,
            RoleSessionName = "costpilot-scan",
            ExternalId = externalId,
        }));

        Assert.Equal(("AccessDenied", 403), (error.ErrorCode, (int)error.StatusCode));
        Assert.Contains("is not authorized to perform: sts:AssumeRole", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cp-external-id")]
    [InlineData("any-other-external-id")]
    [InlineData(null)]
    public async Task AssumeRole_TrustPolicyWithoutExternalIdCondition_AnyOrNoExternalIdAccepted(string? externalId)
    {
        await using var fake = await StartWithCustomerAsync();
        var roleArn = CustomerAccount(fake).AddRoleWithoutExternalIdCondition("HandMadeRole");
        using var sts = Sts(fake, CustomerKey);

        var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = roleArn,
            RoleSessionName = "costpilot-scan",
            ExternalId = externalId,
        });

        Assert.Equal($"arn:aws:sts::{Customer}:assumed-role/HandMadeRole/costpilot-scan", assumed.AssumedRoleUser.Arn);
    }

    [Fact]
    public async Task GetCallerIdentity_RootAccessKey_ReturnsTheAccountsRootArn()
    {
        await using var fake = await StartWithCustomerAsync();
        CustomerAccount(fake).AddRootAccessKey("AKIAFAKECUSTOMERROOT", Secret);
        using var sts = Sts(fake, new BasicAWSCredentials("AKIAFAKECUSTOMERROOT", Secret));

        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());

        Assert.Equal((Customer, $"arn:aws:iam::{Customer}:root", Customer), (identity.Account, identity.Arn, identity.UserId));
    }

    [Fact]
    public async Task DescribeRegions_EnabledOnly_AllRegionsAddsDisabledAndEc2RefusesThem()
    {
        await using var fake = await StartWithCustomerAsync();
        var account = CustomerAccount(fake);
        account.Region("eu-west-1");
        account.Region("af-south-1");
        account.Region("ap-east-1", enabled: false);
        using var ec2 = Ec2(fake, CustomerKey);

        var enabled = await ec2.DescribeRegionsAsync(new DescribeRegionsRequest());
        var all = await ec2.DescribeRegionsAsync(new DescribeRegionsRequest { AllRegions = true });

        Assert.Equal(
            ["af-south-1 opted-in", "eu-west-1 opt-in-not-required", "us-east-1 opt-in-not-required"],
            enabled.Regions.Select(r => $"{r.RegionName} {r.OptInStatus}"));
        Assert.Equal("ec2.eu-west-1.amazonaws.com", enabled.Regions.Single(r => r.RegionName == "eu-west-1").Endpoint);
        Assert.Equal("not-opted-in", all.Regions.Single(r => r.RegionName == "ap-east-1").OptInStatus);
        Assert.Equal(4, all.Regions.Count);

        using var disabled = Ec2(fake, CustomerKey, "ap-east-1");
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => disabled.DescribeInstancesAsync(new DescribeInstancesRequest()));
        Assert.Equal(("AuthFailure", 401), (error.ErrorCode, (int)error.StatusCode));
    }

    [Fact]
    public async Task DescribeInstances_2500InstancesMaxResults1000_ThreePagesWithEveryField()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        var expected = Instances("i-", 2500).ToList();
        CustomerAccount(fake).Region(Region).AddInstances(expected);
        using var ec2 = Ec2(fake, CustomerKey);

        var actual = new List<Instance>();
        var pages = 0;
        await foreach (var page in ec2.Paginators.DescribeInstances(new DescribeInstancesRequest { MaxResults = 1000 }).Responses)
        {
            pages++;
            actual.AddRange(page.Reservations.SelectMany(r => r.Instances));
        }

        Assert.Equal(3, pages);
        Assert.Equal([false, true, true], fake.Requests.Select(r => r.NextToken is not null));
        Assert.All(fake.Requests, r => Assert.Equal(1000, r.MaxResults));
        Assert.Equal(expected.Select(i => i.InstanceId), actual.Select(i => i.InstanceId));
        foreach (var (want, got) in expected.Zip(actual))
        {
            Assert.Equal(want.InstanceType, got.InstanceType.Value);
            Assert.Equal(want.State, got.State.Name.Value);
            Assert.Equal(want.AvailabilityZone ?? Region + "a", got.Placement.AvailabilityZone);
            // The wire says "windows"; SDK v4 interns constants case-insensitively and hands back PlatformValues.Windows ("Windows").
            Assert.Equal(want.Platform, got.Platform?.Value, ignoreCase: true);
            Assert.Equal(want.Architecture, got.Architecture.Value);
            Assert.Equal(want.LaunchTime.UtcDateTime, got.LaunchTime!.Value.ToUniversalTime());
            Assert.Equal(want.Lifecycle, got.InstanceLifecycle?.Value);
            Assert.Equal(want.Tags, got.Tags?.ToDictionary(t => t.Key, t => t.Value) ?? []);
        }
    }

    [Fact]
    public async Task DescribeInstances_HostileTags_RoundTripExactly()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        CustomerAccount(fake).Region(Region).AddInstances([new FakeInstance("i-0hostile") { Tags = HostileTags }]);
        using var ec2 = Ec2(fake, CustomerKey);

        var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest());

        var tags = Assert.Single(Assert.Single(response.Reservations).Instances).Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(HostileTags, tags);
    }

    [Fact]
    public async Task DescribeInstances_EmptyRegion_SdkV4LeavesReservationsNull()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        using var ec2 = Ec2(fake, CustomerKey, "eu-central-1");

        var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest());

        Assert.Null(response.Reservations);
        Assert.Null(response.NextToken);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(1001)]
    public async Task DescribeInstances_MaxResultsOutOfRange_ThrowsInvalidParameterValue(int maxResults)
    {
        await using var fake = await StartWithCustomerAsync();
        using var ec2 = Ec2(fake, CustomerKey);

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { MaxResults = maxResults }));

        Assert.Equal(("InvalidParameterValue", 400), (error.ErrorCode, (int)error.StatusCode));
    }

    [Fact]
    public async Task DescribeInstances_ThrottledOnce_SdkRetriesAndSucceeds()
    {
        await using var fake = await StartWithCustomerAsync();
        fake.FailNext(Customer, Region, "DescribeInstances", FakeFault.Throttle);
        using var ec2 = Ec2(fake, CustomerKey);

        var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest());

        Assert.Single(response.Reservations);
        Assert.Equal(2, fake.Count("DescribeInstances", Region));
        Assert.Equal([(400, "RequestLimitExceeded"), (200, null)], fake.Requests.Select(r => (r.StatusCode, r.ErrorCode)));
    }

    [Fact]
    public async Task DescribeInstances_Unauthorized_Throws403UnauthorizedOperationWithoutRetry()
    {
        await using var fake = await StartWithCustomerAsync();
        fake.FailNext(Customer, Region, "DescribeInstances", FakeFault.Unauthorized);
        using var ec2 = Ec2(fake, CustomerKey);

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()));

        Assert.Equal(("UnauthorizedOperation", 403), (error.ErrorCode, (int)error.StatusCode));
        Assert.Equal(1, fake.Count("DescribeInstances"));
    }

    [Fact]
    public async Task DescribeInstances_ServerErrorThriceWithoutRetries_ThreeCallsFailWith500ThenSucceeds()
    {
        await using var fake = await StartWithCustomerAsync();
        fake.FailNext(Customer, Region, "DescribeInstances", FakeFault.ServerError, times: 3);
        using var ec2 = Ec2(fake, CustomerKey, maxErrorRetry: 0);

        for (var call = 0; call < 3; call++)
        {
            var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()));
            Assert.Equal(("InternalError", 500), (error.ErrorCode, (int)error.StatusCode));
        }

        Assert.Single((await ec2.DescribeInstancesAsync(new DescribeInstancesRequest())).Reservations);
        Assert.Equal([500, 500, 500, 200], fake.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task DescribeInstances_TimeoutLongerThanClientTimeout_SdkThrowsTimeoutAndFakeReleasesTheRequest()
    {
        await using var fake = await StartWithCustomerAsync();
        fake.TimeoutDelay = TimeSpan.FromSeconds(20);
        using var ec2 = Ec2(fake, CustomerKey, maxErrorRetry: 0, timeout: TimeSpan.FromSeconds(1));
        // A first call opens the connection and warms the client: on a busy CI box the client timeout could otherwise run
        // out before the held request even reaches the fake.
        await WarmUpAsync(ec2);
        // Seen in CI: with MaxErrorRetry 0 the timed-out request was still sent once more (and answered). Every copy is held here,
        // so what is tested is the timeout, not how many times the SDK's transport re-sends.
        for (var i = 0; i < 3; i++)
        {
            fake.FailNext(Customer, Region, "DescribeInstances", FakeFault.Timeout);
        }
        var clock = Stopwatch.StartNew();

        var outcome = await Record.ExceptionAsync(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()));

        Assert.True(outcome is TimeoutException,
            $"Expected a TimeoutException after {clock.Elapsed.TotalMilliseconds:F0} ms, got {outcome?.GetType().Name ?? "an answer"}; " +
            $"the fake saw: {string.Join(", ", fake.Requests.Select(r => $"{r.Action} {r.StatusCode}"))}");
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(8));
        // The server learns of the client's disconnect asynchronously; on a loaded 2-core CI box that can take seconds.
        while (!fake.Requests.Any(r => r.Action == "DescribeInstances") && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20);
        }

        Assert.All(fake.Requests.Where(r => r.Action == "DescribeInstances"), r => Assert.Equal(499, r.StatusCode));
    }

    [Fact]
    public async Task DescribeInstances_TimeoutOnce_SdkRetriesAfterClientTimeout()
    {
        await using var fake = await StartWithCustomerAsync();
        fake.TimeoutDelay = TimeSpan.FromSeconds(20);
        // The retry gets the same client timeout as the held request: generous, so that a busy 2-core CI box cannot time
        // the retry out too, and a warm-up call so the held request surely reaches the fake (it is held 20 s either way).
        using var ec2 = Ec2(fake, CustomerKey, maxErrorRetry: 1, timeout: TimeSpan.FromSeconds(2));
        await WarmUpAsync(ec2);
        fake.FailNext(Customer, Region, "DescribeInstances", FakeFault.Timeout);

        var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest());

        Assert.Single(response.Reservations);
        // The held request is recorded once the fake learns the client gave up on it, which may come after the retry.
        var clock = Stopwatch.StartNew();
        while (fake.Requests.Count(r => r.Action == "DescribeInstances") < 2 && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20);
        }
        Assert.Equal([200, 499], fake.Requests.Where(r => r.Action == "DescribeInstances").Select(r => r.StatusCode).Order());
    }

    [Fact]
    public async Task DisposeAsync_RequestHeldByTimeout_ReleasesItAndStopsQuickly()
    {
        var fake = await StartWithCustomerAsync();
        fake.FailNext(Customer, Region, "DescribeInstances", FakeFault.Timeout);
        using var ec2 = Ec2(fake, CustomerKey, maxErrorRetry: 0);
        var pending = ec2.DescribeInstancesAsync(new DescribeInstancesRequest());
        await Task.Delay(200);
        var clock = Stopwatch.StartNew();

        await fake.DisposeAsync();

        // The request is held for 30 s; stopping must not wait for it (a busy CI box may still take a few seconds).
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(8));
        await Assert.ThrowsAnyAsync<Exception>(() => pending);
    }

    [Fact]
    public async Task DescribeVolumes_1200VolumesMaxResults500_ThreePagesWithEveryField()
    {
        await using var fake = await StartWithCustomerAsync();
        var volumes = Enumerable.Range(1, 1200).Select(i => new FakeVolume($"vol-{i:x17}")
        {
            Size = i,
            VolumeType = i % 2 == 0 ? "gp3" : "gp2",
            Iops = i % 2 == 0 ? 3000 : null,
            Throughput = i % 2 == 0 ? 125 : null,
            AttachedInstanceId = i % 3 == 0 ? "i-0000000000000001" : null,
            Tags = i == 7 ? HostileTags : new Dictionary<string, string>(),
        }).ToList();
        CustomerAccount(fake).Region(Region).AddVolumes(volumes);
        using var ec2 = Ec2(fake, CustomerKey);

        var actual = new List<Volume>();
        await foreach (var page in ec2.Paginators.DescribeVolumes(new DescribeVolumesRequest { MaxResults = 500 }).Responses)
        {
            actual.AddRange(page.Volumes);
        }

        Assert.Equal(3, fake.Count("DescribeVolumes"));
        Assert.Equal(volumes.Select(v => v.VolumeId), actual.Select(v => v.VolumeId));
        var attached = actual.Single(v => v.VolumeId == volumes[5].VolumeId);
        Assert.Equal((6, "gp3", 3000, 125, "in-use", Region + "a"), (attached.Size, attached.VolumeType.Value, attached.Iops, attached.Throughput, attached.State.Value, attached.AvailabilityZone));
        Assert.Equal("i-0000000000000001", Assert.Single(attached.Attachments).InstanceId);
        var detached = actual.Single(v => v.VolumeId == volumes[6].VolumeId);
        Assert.Equal(("gp2", (int?)null, (int?)null, "available"), (detached.VolumeType.Value, detached.Iops, detached.Throughput, detached.State.Value));
        Assert.Equal(HostileTags, detached.Tags.ToDictionary(t => t.Key, t => t.Value));
        Assert.Null(detached.Attachments); // SDK v4: an empty <attachmentSet/> leaves the list null
    }

    [Fact]
    public async Task DescribeAddresses_ReturnsEveryAddressUnpaged()
    {
        await using var fake = await StartWithCustomerAsync();
        CustomerAccount(fake).Region(Region).AddAddresses(
        [
            new FakeAddress("eipalloc-0000000000000001", "203.0.113.10") { InstanceId = "i-0000000000000001", AssociationId = "eipassoc-01", Tags = HostileTags },
            new FakeAddress("eipalloc-0000000000000002", "203.0.113.11"),
        ]);
        using var ec2 = Ec2(fake, CustomerKey);

        var response = await ec2.DescribeAddressesAsync(new DescribeAddressesRequest());

        Assert.Equal(2, response.Addresses.Count);
        var associated = response.Addresses[0];
        Assert.Equal(("eipalloc-0000000000000001", "203.0.113.10", "i-0000000000000001", "eipassoc-01", "vpc"),
            (associated.AllocationId, associated.PublicIp, associated.InstanceId, associated.AssociationId, associated.Domain.Value));
        Assert.Equal(HostileTags, associated.Tags.ToDictionary(t => t.Key, t => t.Value));
        var idle = response.Addresses[1];
        Assert.Null(idle.AssociationId);
        Assert.Null(idle.InstanceId);
    }

    [Fact]
    public async Task DescribeInstances_PlatformDetailsAndTenancy_ReachTheSdkAndOmittedOnesStayNull()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        CustomerAccount(fake).Region(Region).AddInstances(
        [
            new FakeInstance("i-0linux"),
            new FakeInstance("i-0windows") { Platform = "windows", Tenancy = "dedicated" },
            new FakeInstance("i-0rhel") { PlatformDetails = "Red Hat Enterprise Linux", Tenancy = "host" },
            new FakeInstance("i-0old") { PlatformDetails = null, Tenancy = null },
        ]);
        using var ec2 = Ec2(fake, CustomerKey);

        var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest());

        Assert.Equal(
            [("i-0linux", "Linux/UNIX", "default"), ("i-0windows", "Windows", "dedicated"), ("i-0rhel", "Red Hat Enterprise Linux", "host"), ("i-0old", null, null)],
            response.Reservations.SelectMany(r => r.Instances).Select(i => (i.InstanceId, (string?)i.PlatformDetails, (string?)i.Placement.Tenancy?.Value)));
    }

    [Fact]
    public async Task DescribeInstances_TenancyAndPlatformDetailsFilters_SelectThoseInstances()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        CustomerAccount(fake).Region(Region).AddInstances(
        [
            new FakeInstance("i-0shared"),
            new FakeInstance("i-0dedicated") { Tenancy = "dedicated" },
            new FakeInstance("i-0suse") { PlatformDetails = "SUSE Linux", Tenancy = "dedicated" },
        ]);
        using var ec2 = Ec2(fake, CustomerKey);

        var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest
        {
            Filters = [new Filter("tenancy", ["dedicated"]), new Filter("platform-details", ["Linux/UNIX"])],
        });

        Assert.Equal("i-0dedicated", Assert.Single(Assert.Single(response.Reservations).Instances).InstanceId);
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_2500ChangesMaxResults1000_ThreePagesNewestFirstWithEveryField()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        var history = Enumerable.Range(0, 2500).Select(i => new FakeSpotPrice(
            $"{Region}{"abc"[i % 3]}", i % 2 == 0 ? "m5.large" : "c5.xlarge", i % 5 == 0 ? "Windows" : "Linux/UNIX",
            (0.01m + i / 10_000m).ToString("F6", CultureInfo.InvariantCulture), SpotEpoch.AddMinutes(i))).ToList();
        CustomerAccount(fake).Region(Region).AddSpotPrices(history);
        using var ec2 = Ec2(fake, CustomerKey);

        var actual = new List<SpotPrice>();
        await foreach (var page in ec2.Paginators.DescribeSpotPriceHistory(new DescribeSpotPriceHistoryRequest { MaxResults = 1000 }).Responses)
        {
            actual.AddRange(page.SpotPriceHistory);
        }

        Assert.Equal([(1000, false), (1000, true), (1000, true)], fake.Requests.Select(r => (r.MaxResults ?? 0, r.NextToken is not null)));
        history.Reverse();
        Assert.Equal(
            history.Select(h => (h.AvailabilityZone, h.InstanceType, h.ProductDescription, h.Price, h.Timestamp.UtcDateTime)),
            actual.Select(a => (a.AvailabilityZone, a.InstanceType.Value, a.ProductDescription.Value, a.Price, a.Timestamp!.Value.ToUniversalTime())));
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_TypesProductsZoneAndFilters_EachNarrowsTheHistory()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        string[] zones = [Region + "a", Region + "b"];
        string[] types = ["m5.large", "c5.xlarge", "t3.micro"];
        string[] products = ["Linux/UNIX", "Windows", "Red Hat Enterprise Linux"];
        CustomerAccount(fake).Region(Region).AddSpotPrices(
            from zone in zones from type in types from product in products select new FakeSpotPrice(zone, type, product, "0.050000", SpotEpoch));
        using var ec2 = Ec2(fake, CustomerKey);

        async Task<List<string>> KeysAsync(DescribeSpotPriceHistoryRequest request) =>
            [.. ((await ec2.DescribeSpotPriceHistoryAsync(request)).SpotPriceHistory ?? [])
                .Select(p => $"{p.AvailabilityZone} {p.InstanceType.Value} {p.ProductDescription.Value}").Order(StringComparer.Ordinal)];

        Assert.Equal(18, (await KeysAsync(new DescribeSpotPriceHistoryRequest())).Count);
        Assert.Equal(
            [$"{Region}a c5.xlarge Linux/UNIX", $"{Region}a c5.xlarge Windows", $"{Region}a m5.large Linux/UNIX", $"{Region}a m5.large Windows"],
            await KeysAsync(new DescribeSpotPriceHistoryRequest
            {
                InstanceTypes = ["m5.large", "c5.xlarge"],
                ProductDescriptions = ["Linux/UNIX", "Windows"],
                AvailabilityZone = Region + "a",
            }));
        Assert.Equal(
            [$"{Region}b t3.micro Red Hat Enterprise Linux"],
            await KeysAsync(new DescribeSpotPriceHistoryRequest
            {
                Filters =
                [
                    new Filter("availability-zone", [Region + "b"]),
                    new Filter("instance-type", ["t3.micro"]),
                    new Filter("product-description", ["Red Hat Enterprise Linux"]),
                ],
            }));
        Assert.Empty(await KeysAsync(new DescribeSpotPriceHistoryRequest { InstanceTypes = ["r5.large"] }));
        var unknownFilter = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest { Filters = [new Filter("tenancy", ["default"])] }));
        Assert.Equal("InvalidParameterValue", unknownFilter.ErrorCode);
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_StartTimeNow_OnlyThePriceInEffectPerZoneTypeAndProduct()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        var now = DateTimeOffset.UtcNow;
        CustomerAccount(fake).Region(Region).AddSpotPrices(
        [
            new FakeSpotPrice(Region + "a", "m5.large", "Linux/UNIX", "0.030000", now.AddHours(-30)),
            new FakeSpotPrice(Region + "a", "m5.large", "Linux/UNIX", "0.031200", now.AddHours(-2)),
            new FakeSpotPrice(Region + "a", "m5.large", "Linux/UNIX", "0.029000", now.AddHours(-5)),
            new FakeSpotPrice(Region + "b", "m5.large", "Linux/UNIX", "0.033300", now.AddDays(-40)),
            new FakeSpotPrice(Region + "a", "m5.large", "Windows", "0.120000", now.AddHours(-1)),
            new FakeSpotPrice(Region + "a", "m5.large", "Windows", "0.110000", now.AddHours(-9)),
            // Not in effect yet when asked: a change after the end time (now) is not history.
            new FakeSpotPrice(Region + "a", "m5.large", "Windows", "0.500000", now.AddHours(1)),
        ]);
        using var ec2 = Ec2(fake, CustomerKey);

        var latest = await ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest { StartTime = now.UtcDateTime });
        var all = await ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest());
        var window = await ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest
        {
            StartTime = now.AddHours(-6).UtcDateTime,
            EndTime = now.AddHours(-1.5).UtcDateTime,
        });

        Assert.Equal(
            [$"{Region}a Windows 0.120000", $"{Region}a Linux/UNIX 0.031200", $"{Region}b Linux/UNIX 0.033300"],
            latest.SpotPriceHistory.Select(p => $"{p.AvailabilityZone} {p.ProductDescription.Value} {p.Price}"));
        Assert.Equal(6, all.SpotPriceHistory.Count);
        // In effect at the start (the changes 30 h, 9 h and 40 days ago) and the changes from then up to the end.
        Assert.Equal(
            [$"{Region}a Linux/UNIX 0.031200", $"{Region}a Linux/UNIX 0.029000", $"{Region}a Windows 0.110000", $"{Region}a Linux/UNIX 0.030000", $"{Region}b Linux/UNIX 0.033300"],
            window.SpotPriceHistory.Select(p => $"{p.AvailabilityZone} {p.ProductDescription.Value} {p.Price}"));
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_ThrottledOnce_SdkRetriesAndSucceeds()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        CustomerAccount(fake).Region(Region).AddSpotPrices([new FakeSpotPrice(Region + "a", "m5.large", "Linux/UNIX", "0.031200", SpotEpoch)]);
        fake.FailNext(Customer, Region, "DescribeSpotPriceHistory", FakeFault.Throttle);
        using var ec2 = Ec2(fake, CustomerKey);

        var response = await ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest());

        Assert.Equal("0.031200", Assert.Single(response.SpotPriceHistory).Price);
        Assert.Equal([(400, "RequestLimitExceeded"), (200, null)], fake.Requests.Select(r => (r.StatusCode, r.ErrorCode)));
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_Unauthorized_Throws403WithoutRetry()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        fake.FailNext(Customer, Region, "DescribeSpotPriceHistory", FakeFault.Unauthorized);
        using var ec2 = Ec2(fake, CustomerKey);

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest()));

        Assert.Equal(("UnauthorizedOperation", 403), (error.ErrorCode, (int)error.StatusCode));
        Assert.Equal(1, fake.Count("DescribeSpotPriceHistory"));
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_EmptyRegion_SdkV4LeavesTheHistoryNull()
    {
        await using var fake = await StartWithCustomerAsync(instances: 0);
        using var ec2 = Ec2(fake, CustomerKey, "eu-central-1");

        var response = await ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest { StartTime = DateTime.UtcNow });

        Assert.Null(response.SpotPriceHistory);
        Assert.True(string.IsNullOrEmpty(response.NextToken));
    }

    [Fact]
    public async Task UnimplementedAction_ThrowsInvalidAction()
    {
        await using var fake = await StartWithCustomerAsync();
        using var ec2 = Ec2(fake, CustomerKey);

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest()));

        Assert.Equal(("InvalidAction", 400), (error.ErrorCode, (int)error.StatusCode));
    }

    [Fact]
    public async Task Throughput_10000InstancesOver4Regions_PrintsSequentialAndConcurrentTimings()
    {
        string[] regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
        var clock = Stopwatch.StartNew();
        await using var fake = await StartWithCustomerAsync(instances: 0);
        var startTime = clock.Elapsed;
        var account = CustomerAccount(fake);
        foreach (var region in regions)
        {
            account.Region(region).AddInstances(Instances($"i-{region}-", 2500));
        }

        account.Region("eu-north-1").AddInstances(Instances("i-warm-", 10));
        await ScanAsync(fake, "eu-north-1"); // JIT and connection warm-up

        clock.Restart();
        var sequential = 0;
        foreach (var region in regions)
        {
            sequential += await ScanAsync(fake, region);
        }

        var sequentialTime = clock.Elapsed;
        clock.Restart();
        var concurrent = (await Task.WhenAll(regions.Select(r => ScanAsync(fake, r)))).Sum();
        var concurrentTime = clock.Elapsed;

        Assert.Equal((10_000, 10_000), (sequential, concurrent));
        Assert.Equal(2 * 4 * 3, fake.Count("DescribeInstances") - 1);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Start {startTime.TotalMilliseconds:F0} ms. 10,000 instances in 4 regions x 2,500 (3 pages of <= 1000 each, 12 requests): sequential {sequentialTime.TotalMilliseconds:F0} ms, concurrent {concurrentTime.TotalMilliseconds:F0} ms"));
    }

    private static async Task<int> ScanAsync(FakeAwsServer fake, string region)
    {
        using var ec2 = Ec2(fake, CustomerKey, region);
        var count = 0;
        await foreach (var page in ec2.Paginators.DescribeInstances(new DescribeInstancesRequest { MaxResults = 1000 }).Responses)
        {
            count += page.Reservations?.Sum(r => r.Instances.Count) ?? 0;
        }

        return count;
    }

    private static IEnumerable<FakeInstance> Instances(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => new FakeInstance($"{prefix}{i:x17}")
        {
            InstanceType = i % 4 == 0 ? "m5.large" : "t3.micro",
            State = i % 10 == 0 ? "stopped" : "running",
            AvailabilityZone = i % 2 == 0 ? null : "us-east-1b",
            Platform = i % 7 == 0 ? "windows" : null,
            Architecture = i % 5 == 0 ? "arm64" : "x86_64",
            LaunchTime = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i),
            Lifecycle = i % 3 == 0 ? "spot" : null,
            Tags = i % 11 == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Name"] = $"web-{i} <b>&\"", ["env"] = "prod" },
        });

    private static async Task<FakeAwsServer> StartWithCustomerAsync(int instances = 1)
    {
        var fake = await FakeAwsServer.StartAsync();
        var region = fake.AddAccount(Customer).AddAccessKey(KeyId, Secret).Region(Region);
        region.AddInstances(Enumerable.Range(1, instances).Select(i => new FakeInstance($"i-{i:d16}")));
        return fake;
    }

    private static FakeAwsAccount CustomerAccount(FakeAwsServer fake) => fake.Account(Customer);

    /// <summary>
    /// One answered call on the client (its connection open, its code paths jitted), tried again while the short client
    /// timeout under test runs out on a busy machine: the warm-up is not what these tests are about.
    /// </summary>
    private static async Task WarmUpAsync(AmazonEC2Client ec2)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ec2.DescribeRegionsAsync(new DescribeRegionsRequest());
                return;
            }
            catch (TimeoutException) when (attempt < 10)
            {
            }
        }
    }

    private static AmazonEC2Client Ec2(FakeAwsServer fake, AWSCredentials credentials, string region = Region, int? maxErrorRetry = null, TimeSpan? timeout = null)
    {
        var config = new AmazonEC2Config { ServiceURL = fake.Url, AuthenticationRegion = region, RetryMode = RequestRetryMode.Standard };
        if (maxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
        }

        if (timeout is { } limit)
        {
            config.Timeout = limit;
        }

        return new AmazonEC2Client(credentials, config);
    }

    private static AmazonSecurityTokenServiceClient Sts(FakeAwsServer fake, AWSCredentials credentials) =>
        new(credentials, new AmazonSecurityTokenServiceConfig { ServiceURL = fake.Url, AuthenticationRegion = Region, RetryMode = RequestRetryMode.Standard });
}
