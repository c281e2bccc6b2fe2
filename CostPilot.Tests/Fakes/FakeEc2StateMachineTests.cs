using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Fakes;

/// <summary>
/// The fake's EC2 instance state machine (stop, change type, start, status checks, tags, DryRun, denials, capacity faults),
/// driven through the real AmazonEC2Client on a clock the test moves.
/// </summary>
public sealed class FakeEc2StateMachineTests : IAsyncLifetime
{
    private const string Customer = "111122223333";
    private const string KeyId = "AKIAFAKECUSTOMER0001";
    private const string Secret = "customer/secret/0000000000000000000000000";
    private const string Region = "us-east-1";
    private const string Web = "i-0000000000000web1";

    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 30, 15, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(T0);
    private FakeAwsServer _fake = default!;
    private FakeRegion _region = default!;
    private FakeInstance _web = default!;
    private AmazonEC2Client _ec2 = default!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAwsServer.StartAsync(_clock);
        _region = _fake.AddAccount(Customer).AddAccessKey(KeyId, Secret).Region(Region);
        _web = new FakeInstance(Web) { InstanceType = "m5.xlarge", Tags = new Dictionary<string, string> { ["Name"] = "web" } };
        _region.AddInstances([_web]);
        _ec2 = Ec2(_fake);
    }

    public async Task DisposeAsync()
    {
        _ec2.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task StopInstances_Running_StoppingUntilTheStopDelayThenStopped()
    {
        var response = await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] });

        var change = Assert.Single(response.StoppingInstances);
        Assert.Equal((Web, 64, "stopping", 16, "running"),
            (change.InstanceId, change.CurrentState.Code, change.CurrentState.Name.Value, change.PreviousState.Code, change.PreviousState.Name.Value));
        var stopping = await DescribeAsync(Web);
        Assert.Equal("stopping", stopping.State.Name.Value);
        Assert.Equal("User initiated (2026-03-02 09:30:15 GMT)", stopping.StateTransitionReason);
        Assert.Equal(("Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"),
            (stopping.StateReason.Code, stopping.StateReason.Message));

        _clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.Equal("stopping", (await DescribeAsync(Web)).State.Name.Value);
        _clock.Advance(TimeSpan.FromTicks(1));
        var stopped = await DescribeAsync(Web);

        Assert.Equal((80, "stopped"), (stopped.State.Code, stopped.State.Name.Value));
        Assert.Equal("User initiated (2026-03-02 09:30:15 GMT)", stopped.StateTransitionReason);
        Assert.Equal([new FakeStateChange(T0, "running", "stopping"), new FakeStateChange(T0.AddSeconds(2), "stopping", "stopped")], _web.History);
    }

    [Fact]
    public async Task StopInstances_StoppingOrStopped_IdempotentLikeEc2()
    {
        await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] });
        _clock.Advance(TimeSpan.FromSeconds(1));
        var again = Assert.Single((await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] })).StoppingInstances);
        _clock.Advance(TimeSpan.FromSeconds(5));
        var once = Assert.Single((await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] })).StoppingInstances);

        Assert.Equal(("stopping", "stopping"), (again.PreviousState.Name.Value, again.CurrentState.Name.Value));
        Assert.Equal(("stopped", "stopped"), (once.PreviousState.Name.Value, once.CurrentState.Name.Value));
        Assert.Equal(2, _web.History.Count);
        Assert.Equal(T0.AddSeconds(2), _web.History[^1].Time);
    }

    [Fact]
    public async Task StopInstances_StopHangs_StoppingUntilForceThenStoppedAfterTheDelay()
    {
        _web.StopHangs = true;
        await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] });
        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("stopping", _web.State);

        await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web], Force = true });
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("stopped", _web.State);
        Assert.Equal(T0.AddMinutes(10).AddSeconds(2), _web.History[^1].Time);
        Assert.Equal("true", _fake.Requests[^1].Parameters["Force"]);
    }

    [Fact]
    public async Task StopInstances_UnknownInstance_ThrowsNotFoundAndStopsNone()
    {
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web, "i-0000000000000none"] }));

        Assert.Equal(("InvalidInstanceID.NotFound", 400, "The instance ID 'i-0000000000000none' does not exist"),
            (error.ErrorCode, (int)error.StatusCode, error.Message));
        Assert.Equal("running", _web.State);
    }

    [Fact]
    public async Task StopInstances_Pending_ThrowsIncorrectInstanceState()
    {
        _region.AddInstances([new FakeInstance("i-00000000000000p1") { State = "pending" }]);

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = ["i-00000000000000p1"] }));

        Assert.Equal(("IncorrectInstanceState", 400), (error.ErrorCode, (int)error.StatusCode));
        Assert.Equal("Instance 'i-00000000000000p1' cannot be stopped as it has never reached the 'running' state.", error.Message);
    }

    [Fact]
    public async Task ModifyInstanceAttribute_Running_ThrowsIncorrectInstanceStateAndKeepsTheType()
    {
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = Web, InstanceType = "m5.large" }));

        Assert.Equal(("IncorrectInstanceState", 400, $"The instance '{Web}' is not in the 'stopped' state."),
            (error.ErrorCode, (int)error.StatusCode, error.Message));
        Assert.Equal("m5.xlarge", (await DescribeAsync(Web)).InstanceType.Value);
    }

    [Fact]
    public async Task ModifyInstanceAttribute_Stopping_ThrowsIncorrectInstanceState()
    {
        await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] });

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = Web, InstanceType = "m5.large" }));

        Assert.Equal("IncorrectInstanceState", error.ErrorCode);
    }

    [Fact]
    public async Task ModifyInstanceAttribute_StoppedInstanceTypeValue_TypeChangedInDescribeInstances()
    {
        await StopAsync();

        await _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = Web, InstanceType = "m5.large" });

        Assert.Equal("m5.large", (await DescribeAsync(Web)).InstanceType.Value);
        Assert.Equal("m5.large", _web.InstanceType);
        var sent = _fake.Requests[^2].Parameters;
        Assert.Equal(("ModifyInstanceAttribute", Web, "m5.large"), (sent["Action"], sent["InstanceId"], sent["InstanceType.Value"]));
    }

    [Fact]
    public async Task ModifyInstanceAttribute_StoppedAttributeAndValue_TypeChanged()
    {
        await StopAsync();

        await _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest(Web, InstanceAttributeName.InstanceType) { Value = "c6g.large" });

        Assert.Equal("c6g.large", (await DescribeAsync(Web)).InstanceType.Value);
        var sent = _fake.Requests[^2].Parameters;
        Assert.Equal(("instanceType", "c6g.large"), (sent["Attribute"], sent["Value"]));
    }

    [Fact]
    public async Task ModifyInstanceAttribute_UnknownType_ThrowsInvalidInstanceAttributeValue()
    {
        await StopAsync();

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = Web, InstanceType = "m5.huge" }));

        Assert.Equal(("InvalidInstanceAttributeValue", 400), (error.ErrorCode, (int)error.StatusCode));
        Assert.Equal("m5.xlarge", _web.InstanceType);
    }

    [Fact]
    public async Task ModifyInstanceAttribute_AddedInstanceType_Accepted()
    {
        _fake.AddInstanceTypes("x9z.mega");
        await StopAsync();

        await _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = Web, InstanceType = "x9z.mega" });

        Assert.Equal("x9z.mega", _web.InstanceType);
    }

    [Fact]
    public async Task ModifyInstanceAttribute_OtherAttribute_ThrowsUnsupportedOperation()
    {
        await StopAsync();

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = Web, SourceDestCheck = false }));

        Assert.Equal(("UnsupportedOperation", 400), (error.ErrorCode, (int)error.StatusCode));
    }

    [Fact]
    public async Task ModifyInstanceAttribute_TwoAttributes_ThrowsInvalidParameterCombination()
    {
        await StopAsync();

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _ec2.ModifyInstanceAttributeAsync(
            new ModifyInstanceAttributeRequest { InstanceId = Web, InstanceType = "m5.large", EbsOptimized = true }));

        Assert.Equal(("InvalidParameterCombination", 400), (error.ErrorCode, (int)error.StatusCode));
        Assert.Equal("m5.xlarge", _web.InstanceType);
    }

    [Fact]
    public async Task StartInstances_Stopped_PendingThenRunningThenChecksInitializingThenOk()
    {
        await StopAsync();
        var started = T0.AddSeconds(2);

        var change = Assert.Single((await _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] })).StartingInstances);

        Assert.Equal((0, "pending", 80, "stopped"), (change.CurrentState.Code, change.CurrentState.Name.Value, change.PreviousState.Code, change.PreviousState.Name.Value));
        var pending = await DescribeAsync(Web);
        Assert.Equal(("pending", "", null), (pending.State.Name.Value, pending.StateTransitionReason, pending.StateReason));
        Assert.Equal(("pending", "not-applicable", "not-applicable"), await StatusAsync());
        Assert.Null((await _ec2.DescribeInstanceStatusAsync(new DescribeInstanceStatusRequest { InstanceIds = [Web] })).InstanceStatuses);

        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("running", (await DescribeAsync(Web)).State.Name.Value);
        Assert.Equal(("running", "initializing", "initializing"), await StatusAsync());
        var initializing = Assert.Single((await _ec2.DescribeInstanceStatusAsync(new DescribeInstanceStatusRequest { InstanceIds = [Web] })).InstanceStatuses);
        Assert.Equal(("reachability", "initializing"), (initializing.Status.Details[0].Name.Value, initializing.Status.Details[0].Status.Value));

        _clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(("running", "ok", "ok"), await StatusAsync());
        var ok = Assert.Single((await _ec2.DescribeInstanceStatusAsync(new DescribeInstanceStatusRequest { InstanceIds = [Web] })).InstanceStatuses);
        Assert.Equal((Web, Region + "a", 16), (ok.InstanceId, ok.AvailabilityZone, ok.InstanceState.Code));
        Assert.Equal(("passed", null), (ok.SystemStatus.Details[0].Status.Value, ok.SystemStatus.Details[0].ImpairedSince));

        Assert.Equal(
        [
            new FakeStateChange(T0, "running", "stopping"),
            new FakeStateChange(started, "stopping", "stopped"),
            new FakeStateChange(started, "stopped", "pending"),
            new FakeStateChange(started.AddSeconds(2), "pending", "running"),
        ], _web.History);
        Assert.Equal(
        [
            new FakeStateChange(T0, "ok", "not-applicable"),
            new FakeStateChange(started.AddSeconds(2), "not-applicable", "initializing"),
            new FakeStateChange(started.AddSeconds(5), "initializing", "ok"),
        ], _web.StatusHistory);
    }

    [Fact]
    public async Task StartInstances_RunningOrPending_IdempotentLikeEc2()
    {
        var running = Assert.Single((await _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] })).StartingInstances);

        Assert.Equal(("running", "running"), (running.PreviousState.Name.Value, running.CurrentState.Name.Value));
        Assert.Empty(_web.History);
    }

    [Fact]
    public async Task StartInstances_Stopping_ThrowsIncorrectInstanceState()
    {
        await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] });

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] }));

        Assert.Equal(("IncorrectInstanceState", 400, $"The instance '{Web}' is not in a state from which it can be started."),
            (error.ErrorCode, (int)error.StatusCode, error.Message));
    }

    [Fact]
    public async Task StartInstances_InstanceCheckImpaired_ImpairedWithFailedReachabilitySinceTheChecksEnded()
    {
        await StopAsync();
        _web.ImpairedChecks = FakeStatusCheck.Instance;
        await _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] });

        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(("running", "ok", "impaired"), await StatusAsync());
        var status = Assert.Single((await _ec2.DescribeInstanceStatusAsync(new DescribeInstanceStatusRequest { InstanceIds = [Web] })).InstanceStatuses);
        var failed = Assert.Single(status.Status.Details);
        Assert.Equal(("reachability", "failed"), (failed.Name.Value, failed.Status.Value));
        Assert.Equal(T0.AddSeconds(7).UtcDateTime, failed.ImpairedSince!.Value.ToUniversalTime());
        Assert.Equal(new FakeStateChange(T0.AddSeconds(7), "initializing", "impaired"), _web.StatusHistory[^1]);

        _web.ImpairedChecks = FakeStatusCheck.None;
        Assert.Equal(("running", "ok", "ok"), await StatusAsync());
    }

    [Fact]
    public async Task StartInstances_NoCapacityForTheType_InsufficientInstanceCapacityAfterSdkRetriesAndStaysStopped()
    {
        await StopAsync();
        _region.RemoveCapacity("m5.xlarge");

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] }));

        Assert.Equal(("InsufficientInstanceCapacity", 500), (error.ErrorCode, (int)error.StatusCode));
        Assert.StartsWith("We currently do not have sufficient m5.xlarge capacity in the Availability Zone you requested (us-east-1a).", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _fake.Count("StartInstances")); // a server error: the SDK's standard retry mode tries 3 times
        Assert.Equal("stopped", (await DescribeAsync(Web)).State.Name.Value);
        Assert.Equal("stopped", _web.History[^1].To);

        _region.RestoreCapacity("m5.xlarge");
        await _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] });
        Assert.Equal("pending", _web.State);
    }

    [Fact]
    public async Task StartInstances_FailNextStartOnce_SdkRetryStartsIt()
    {
        await StopAsync();
        _region.FailNextStart(Web);

        await _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] });

        Assert.Equal([(500, "InsufficientInstanceCapacity"), (200, null)],
            _fake.Requests.Where(r => r.Action == "StartInstances").Select(r => (r.StatusCode, r.ErrorCode)));
        Assert.Equal("pending", _web.State);
    }

    [Fact]
    public async Task StartInstances_FailNextStartWithoutRetries_LeavesTheInstanceStopped()
    {
        await StopAsync();
        _region.FailNextStart(Web);
        using var ec2 = Ec2(_fake, maxErrorRetry: 0);

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] }));

        Assert.Equal("InsufficientInstanceCapacity", error.ErrorCode);
        Assert.Equal("stopped", _web.State);
        Assert.Equal(2, _web.History.Count);
    }

    public static TheoryData<string> MutatingActions => ["StopInstances", "StartInstances", "ModifyInstanceAttribute", "CreateTags", "DeleteTags"];

    [Theory]
    [MemberData(nameof(MutatingActions))]
    public async Task DryRun_Allowed_ThrowsDryRunOperationAndChangesNothing(string action)
    {
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => CallAsync(action, dryRun: true));

        Assert.Equal(("DryRunOperation", 412, "Request would have succeeded, but DryRun flag is set."),
            (error.ErrorCode, (int)error.StatusCode, error.Message));
        Assert.Equal("true", _fake.Requests[^1].Parameters["DryRun"]);
        Assert.Equal(("running", "m5.xlarge", "web"), (_web.State, _web.InstanceType, _web.Tags["Name"]));
        Assert.Single(_web.Tags);
        Assert.Empty(_web.History);
    }

    [Theory]
    [MemberData(nameof(MutatingActions))]
    public async Task DryRun_Denied_ThrowsUnauthorizedOperation(string action)
    {
        _fake.Account(Customer).Deny("ec2:" + action);

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => CallAsync(action, dryRun: true));

        Assert.Equal(("UnauthorizedOperation", 403), (error.ErrorCode, (int)error.StatusCode));
        Assert.StartsWith(
            $"You are not authorized to perform this operation. User: arn:aws:iam::{Customer}:user/fake is not authorized to perform: ec2:{action} " +
            $"on resource: arn:aws:ec2:{Region}:{Customer}:instance/{Web} because no identity-based policy allows the ec2:{action} action. " +
            "Encoded authorization failure message: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopInstances_DeniedThenAllowed_UnauthorizedWithoutRetryThenStops()
    {
        _fake.Account(Customer).Deny("ec2:StopInstances");

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] }));
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.Equal(1, _fake.Count("StopInstances"));
        Assert.Equal("running", _web.State);
        Assert.NotNull(await DescribeAsync(Web)); // reads stay allowed

        _fake.Account(Customer).Allow("ec2:StopInstances");
        await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] });
        Assert.Equal("stopping", _web.State);
    }

    [Fact]
    public void Deny_NotAnEc2Action_Throws()
    {
        Assert.Throws<ArgumentException>(() => _fake.Account(Customer).Deny("StopInstances"));
        Assert.Throws<ArgumentException>(() => _fake.Account(Customer).Deny("sts:AssumeRole"));
    }

    [Fact]
    public async Task CreateTagsDeleteTags_Instance_RoundTripThroughDescribeInstances()
    {
        await _ec2.CreateTagsAsync(new CreateTagsRequest
        {
            Resources = [Web],
            Tags = [new Tag("costpilot:applied", "2026-03-02"), new Tag("Name", "web-1"), new Tag { Key = "empty" }],
        });

        var tagged = await DescribeAsync(Web);
        Assert.Equal(new Dictionary<string, string> { ["Name"] = "web-1", ["costpilot:applied"] = "2026-03-02", ["empty"] = "" },
            tagged.Tags.ToDictionary(t => t.Key, t => t.Value));
        var byTag = await _ec2.DescribeInstancesAsync(new DescribeInstancesRequest { Filters = [new Filter("tag:costpilot:applied", ["2026-03-02"])] });
        Assert.Equal(Web, Assert.Single(Assert.Single(byTag.Reservations).Instances).InstanceId);

        await _ec2.DeleteTagsAsync(new DeleteTagsRequest { Resources = [Web], Tags = [new Tag { Key = "costpilot:applied" }, new Tag("Name", "other")] });
        Assert.Equal(["Name", "empty"], (await DescribeAsync(Web)).Tags.Select(t => t.Key).Order(StringComparer.Ordinal));

        await _ec2.DeleteTagsAsync(new DeleteTagsRequest { Resources = [Web] });
        Assert.Null((await DescribeAsync(Web)).Tags);
        Assert.Empty(_web.Tags);
    }

    [Fact]
    public async Task CreateTags_ReservedKeyOrNotAnInstance_Refused()
    {
        var reserved = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            _ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [Web], Tags = [new Tag("aws:owner", "me")] }));
        var volume = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            _ec2.CreateTagsAsync(new CreateTagsRequest { Resources = ["vol-0000000000000001"], Tags = [new Tag("a", "b")] }));

        Assert.Equal("InvalidParameterValue", reserved.ErrorCode);
        Assert.Equal("UnsupportedOperation", volume.ErrorCode);
        Assert.Equal("web", Assert.Single(_web.Tags).Value);
    }

    [Fact]
    public async Task DescribeInstanceStatus_WithoutIncludeAllInstances_RunningOnlyAndPagesWithMaxResults()
    {
        _region.AddInstances(Enumerable.Range(1, 11).Select(i => new FakeInstance($"i-{i:d17}") { State = i % 4 == 0 ? "stopped" : "running" }));

        var running = new List<InstanceStatus>();
        await foreach (var page in _ec2.Paginators.DescribeInstanceStatus(new DescribeInstanceStatusRequest { MaxResults = 5 }).Responses)
        {
            running.AddRange(page.InstanceStatuses ?? []);
        }

        var all = await _ec2.DescribeInstanceStatusAsync(new DescribeInstanceStatusRequest { IncludeAllInstances = true });

        Assert.Equal(10, running.Count); // the web instance and 9 of the 11
        Assert.All(running, s => Assert.Equal(("running", "ok", "ok"), (s.InstanceState.Name.Value, s.SystemStatus.Status.Value, s.Status.Status.Value)));
        Assert.Equal(2, _fake.Count("DescribeInstanceStatus") - 1);
        Assert.Equal(12, all.InstanceStatuses.Count);
        var stopped = all.InstanceStatuses.Single(s => s.InstanceId == "i-00000000000000004");
        Assert.Equal(("stopped", "not-applicable", "not-applicable"), (stopped.InstanceState.Name.Value, stopped.SystemStatus.Status.Value, stopped.Status.Status.Value));
        Assert.Null(stopped.Status.Details);
    }

    [Fact]
    public async Task DescribeInstanceStatus_InstanceIdsWithMaxResults_ThrowsInvalidParameterCombination()
    {
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            _ec2.DescribeInstanceStatusAsync(new DescribeInstanceStatusRequest { InstanceIds = [Web], MaxResults = 5 }));

        Assert.Equal(("InvalidParameterCombination", 400), (error.ErrorCode, (int)error.StatusCode));
    }

    [Fact]
    public async Task Delays_SetToMilliseconds_FollowTheClock()
    {
        _fake.StopDelay = TimeSpan.FromMilliseconds(300);
        _fake.StartDelay = TimeSpan.FromMilliseconds(400);
        _fake.StatusCheckDelay = TimeSpan.FromMilliseconds(500);

        await StopAsync(TimeSpan.FromMilliseconds(300));
        await _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] });
        _clock.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(("running", "initializing"), (_web.State, _web.InstanceStatus));
        _clock.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(("ok", "ok"), (_web.SystemStatus, _web.InstanceStatus));
        Assert.Equal(T0.AddMilliseconds(700), _web.History[^1].Time);
        Assert.Equal(T0.AddMilliseconds(1200), _web.StatusHistory[^1].Time);
    }

    [Fact]
    public async Task ApplyAndRollBack_StopResizeStartFailResizeBackStart_HistoryGivesEachIntervalToTheSecond()
    {
        // A recommendation applied and rolled back: stop, resize, start refused for capacity, resize back, start, checks ok.
        _region.RemoveCapacity("m5.large");
        await StopAsync();
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = Web, InstanceType = "m5.large" });
        await Assert.ThrowsAsync<AmazonEC2Exception>(() => _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] }));
        _clock.Advance(TimeSpan.FromSeconds(4));
        await _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = Web, InstanceType = "m5.xlarge" });
        await _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] });
        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(("running", "m5.xlarge"), (_web.State, _web.InstanceType));
        var history = _web.History;
        Assert.Equal(["running>stopping", "stopping>stopped", "stopped>pending", "pending>running"], history.Select(c => $"{c.From}>{c.To}"));
        Assert.Equal([0, 2, 7, 9], history.Select(c => (c.Time - T0).TotalSeconds));
        var down = history.Single(c => c.To == "stopping").Time;
        var up = _web.StatusHistory.Single(c => c.To == "ok").Time;
        Assert.Equal(TimeSpan.FromSeconds(12), up - down);
    }

    [Fact]
    public async Task SystemClock_ZeroDelays_TransitionsAtOnce()
    {
        await using var fake = await FakeAwsServer.StartAsync();
        fake.StopDelay = fake.StartDelay = fake.StatusCheckDelay = TimeSpan.Zero;
        var instance = new FakeInstance(Web);
        fake.AddAccount(Customer).AddAccessKey(KeyId, Secret).Region(Region).AddInstances([instance]);
        using var ec2 = Ec2(fake);

        var stop = Assert.Single((await ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] })).StoppingInstances);
        Assert.Equal("stopping", stop.CurrentState.Name.Value);
        Assert.Equal("stopped", instance.State);
        await ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web] });

        Assert.Equal(("running", "ok"), (instance.State, instance.InstanceStatus));
        Assert.Same(TimeProvider.System, fake.Clock);
        Assert.InRange(instance.History[0].Time, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
    }

    [Fact]
    public void With_AnInstanceThatChanged_CopiesItsStateAsNewUnattachedInstance()
    {
        var copy = _web with { Lifecycle = "spot" };

        Assert.Equal((Web, "m5.xlarge", "running", "spot"), (copy.InstanceId, copy.InstanceType, copy.State, copy.Lifecycle));
        Assert.NotEqual(_web, copy);
        Assert.Empty(copy.History);
        _region.RemoveInstance(Web);
        _region.AddInstances([copy]);
        Assert.Same(copy, _region.Instance(Web));
    }

    private async Task StopAsync(TimeSpan? delay = null)
    {
        await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web] });
        _clock.Advance(delay ?? TimeSpan.FromSeconds(2));
        Assert.Equal("stopped", _web.State);
    }

    private Task CallAsync(string action, bool dryRun) => action switch
    {
        "StopInstances" => _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [Web], DryRun = dryRun }),
        "StartInstances" => _ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [Web], DryRun = dryRun }),
        "ModifyInstanceAttribute" => _ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = Web, InstanceType = "m5.large", DryRun = dryRun }),
        "CreateTags" => _ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [Web], Tags = [new Tag("a", "b")], DryRun = dryRun }),
        _ => _ec2.DeleteTagsAsync(new DeleteTagsRequest { Resources = [Web], DryRun = dryRun }),
    };

    private async Task<Instance> DescribeAsync(string instanceId)
    {
        var response = await _ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] });
        return Assert.Single(Assert.Single(response.Reservations).Instances);
    }

    /// <summary>State, system status and instance status of the web instance, by DescribeInstanceStatus with IncludeAllInstances.</summary>
    private async Task<(string State, string System, string Instance)> StatusAsync()
    {
        var response = await _ec2.DescribeInstanceStatusAsync(new DescribeInstanceStatusRequest { InstanceIds = [Web], IncludeAllInstances = true });
        var status = Assert.Single(response.InstanceStatuses);
        return (status.InstanceState.Name.Value, status.SystemStatus.Status.Value, status.Status.Status.Value);
    }

    private static AmazonEC2Client Ec2(FakeAwsServer fake, int? maxErrorRetry = null)
    {
        var config = new AmazonEC2Config { ServiceURL = fake.Url, AuthenticationRegion = Region, RetryMode = RequestRetryMode.Standard };
        if (maxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
        }

        return new AmazonEC2Client(new BasicAWSCredentials(KeyId, Secret), config);
    }
}
