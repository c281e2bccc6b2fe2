using Amazon.EC2;
using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Infrastructure.Aws;
using CostPilot.Tests.Fakes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Infrastructure.Optimization;

/// <summary>The AWS instance actions through the real SDK client (from <see cref="AwsClientFactory"/>) against the fake EC2.</summary>
public sealed class AwsInstanceActionsTests : IAsyncLifetime
{
    private const string Customer = "111122223333";
    private const string KeyId = "AKIAFAKEACTIONS00001";
    private const string Secret = "actions/secret/00000000000000000000000000";
    private const string Region = "us-east-1";
    private const string Web = "i-0000000000000web1";
    private const string Missing = "i-0000000000000none";

    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 30, 15, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(T0);
    private FakeAwsServer _fake = null!;
    private FakeRegion _region = null!;
    private FakeInstance _web = null!;
    private IAmazonEC2 _ec2 = null!;
    private AwsInstanceActions _actions = null!;

    public static TheoryData<InstanceAction> Actions => [InstanceAction.Stop, InstanceAction.Start, InstanceAction.ModifyInstanceType, InstanceAction.Tag];

    public async Task InitializeAsync()
    {
        _fake = await FakeAwsServer.StartAsync(_clock);
        _region = _fake.AddAccount(Customer).AddAccessKey(KeyId, Secret).Region(Region);
        _web = new FakeInstance(Web) { InstanceType = "m5.xlarge", Tags = new Dictionary<string, string> { ["Name"] = "web" } };
        _region.AddInstances([_web]);
        _ec2 = Ec2();
        _actions = new AwsInstanceActions(_ec2);
    }

    public async Task DisposeAsync()
    {
        _ec2.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task DescribeAsync_Running_StateTypeChecksOkAndNoTag()
    {
        var seen = await _actions.DescribeAsync(Web, CancellationToken.None);

        Assert.Equal(new ObservedInstance(Web, InstanceState.Running, "m5.xlarge", StatusChecks.Ok, null), seen);
        var status = Assert.Single(_fake.Requests, r => r.Action == "DescribeInstanceStatus");
        Assert.Equal((Web, "true"), (status.Parameters["InstanceId.1"], status.Parameters["IncludeAllInstances"]));
    }

    [Fact]
    public async Task DescribeAsync_Stopped_NotApplicableWithoutAskingForStatusChecks()
    {
        _region.AddInstances([new FakeInstance("i-0000000000000off1") { State = "stopped", InstanceType = "c6g.large" }]);

        var seen = await _actions.DescribeAsync("i-0000000000000off1", CancellationToken.None);

        Assert.Equal(new ObservedInstance("i-0000000000000off1", InstanceState.Stopped, "c6g.large", StatusChecks.NotApplicable, null), seen);
        Assert.Equal(0, _fake.Count("DescribeInstanceStatus"));
    }

    [Fact]
    public async Task DescribeAsync_UnknownInstance_Null()
    {
        Assert.Null(await _actions.DescribeAsync(Missing, CancellationToken.None));
        Assert.Equal(("InvalidInstanceID.NotFound", 1), (_fake.Requests[^1].ErrorCode, _fake.Count("DescribeInstances")));
    }

    [Fact]
    public async Task DescribeAsync_AfterStart_PendingThenInitializingThenOk()
    {
        await StopAsync();
        await _actions.StartAsync(Web, CancellationToken.None);

        var pending = await _actions.DescribeAsync(Web, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var initializing = await _actions.DescribeAsync(Web, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromTicks(1));
        var stillInitializing = await _actions.DescribeAsync(Web, CancellationToken.None);
        _clock.Advance(TimeSpan.FromTicks(1));
        var ok = await _actions.DescribeAsync(Web, CancellationToken.None);

        Assert.Equal((InstanceState.Pending, StatusChecks.NotApplicable), (pending!.State, pending.Checks));
        Assert.Equal((InstanceState.Running, StatusChecks.Initializing), (initializing!.State, initializing.Checks));
        Assert.Equal(StatusChecks.Initializing, stillInitializing!.Checks);
        Assert.Equal((InstanceState.Running, StatusChecks.Ok), (ok!.State, ok.Checks));
    }

    [Theory]
    [InlineData(FakeStatusCheck.System)]
    [InlineData(FakeStatusCheck.Instance)]
    [InlineData(FakeStatusCheck.System | FakeStatusCheck.Instance)]
    public async Task DescribeAsync_ACheckFailed_Impaired(FakeStatusCheck failing)
    {
        await StopAsync();
        _web.ImpairedChecks = failing;
        await _actions.StartAsync(Web, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));

        var seen = await _actions.DescribeAsync(Web, CancellationToken.None);

        Assert.Equal((InstanceState.Running, StatusChecks.Impaired), (seen!.State, seen.Checks));
    }

    [Fact]
    public async Task TagOriginalTypeAsync_Running_TagReadBackByDescribe()
    {
        await _actions.TagOriginalTypeAsync(Web, "m5.xlarge", CancellationToken.None);

        var seen = await _actions.DescribeAsync(Web, CancellationToken.None);

        Assert.Equal("m5.xlarge", seen!.OriginalTypeTag);
        Assert.Equal(new Dictionary<string, string> { ["Name"] = "web", [InstanceActions.OriginalTypeTag] = "m5.xlarge" }, _web.Tags);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task DryRunAsync_Allowed_ReturnsAfterDryRunOperationAndChangesNothing(InstanceAction action)
    {
        await _actions.DryRunAsync(action, Web, "m5.large", CancellationToken.None);

        var request = Assert.Single(_fake.Requests);
        Assert.Equal((Ec2Action(action), "true", 412, "DryRunOperation"),
            (request.Action, request.Parameters["DryRun"], request.StatusCode, request.ErrorCode));
        if (action == InstanceAction.ModifyInstanceType)
        {
            Assert.Equal((Web, "m5.large"), (request.Parameters["InstanceId"], request.Parameters["InstanceType.Value"]));
        }
        else if (action == InstanceAction.Tag)
        {
            Assert.Equal((Web, InstanceActions.OriginalTypeTag, "m5.large"),
                (request.Parameters["ResourceId.1"], request.Parameters["Tag.1.Key"], request.Parameters["Tag.1.Value"]));
        }
        else
        {
            Assert.Equal(Web, request.Parameters["InstanceId.1"]);
        }

        AssertUnchanged();
    }

    [Fact]
    public async Task DryRunAsync_TagWithoutAType_AsksForTheTagKey()
    {
        await _actions.DryRunAsync(InstanceAction.Tag, Web, null, CancellationToken.None);

        Assert.Equal((InstanceActions.OriginalTypeTag, "DryRunOperation"), (_fake.Requests[^1].Parameters["Tag.1.Key"], _fake.Requests[^1].ErrorCode));
        AssertUnchanged();
    }

    [Fact]
    public async Task DryRunAsync_ModifyWithoutAType_ThrowsArgumentExceptionAndAsksNothing()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _actions.DryRunAsync(InstanceAction.ModifyInstanceType, Web, null, CancellationToken.None));

        Assert.Empty(_fake.Requests);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task DryRunAsync_Denied_DeniedNamingTheActionTheInstanceAndTheFix(InstanceAction action)
    {
        _fake.Account(Customer).Deny(action.IamName());

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => _actions.DryRunAsync(action, Web, "m5.large", CancellationToken.None));

        Assert.Equal((ActionFailure.Denied, false), (error.Failure, error.IsTransient));
        Assert.Contains($"AWS denied {action.IamName()}.", error.Message, StringComparison.Ordinal);
        Assert.Contains(Web, error.Message, StringComparison.Ordinal);
        Assert.Contains("update the CostPilotAccess stack with the parameter EnableOptimization=true", error.Message, StringComparison.Ordinal);
        Assert.Contains($"add {action.IamName()} to the keys' IAM policy", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Encoded authorization", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyId, error.Message, StringComparison.Ordinal);
        var request = Assert.Single(_fake.Requests);
        Assert.Equal(("true", 403), (request.Parameters["DryRun"], request.StatusCode));
        AssertUnchanged();
    }

    [Fact]
    public async Task DryRunAsync_DeniedStop_Message()
    {
        _fake.Account(Customer).Deny("ec2:StopInstances");

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => _actions.DryRunAsync(InstanceAction.Stop, Web, null, CancellationToken.None));

        Assert.Equal(
            $"CostPilot may not stop instance {Web}: AWS denied ec2:StopInstances. For an account connected with the CloudFormation role, " +
            "update the CostPilotAccess stack with the parameter EnableOptimization=true; for access keys, add ec2:StopInstances to the keys' IAM policy.",
            error.Message);
    }

    [Fact]
    public async Task DryRunAsync_UnknownInstance_NotFound()
    {
        var error = await Assert.ThrowsAsync<InstanceActionException>(() => _actions.DryRunAsync(InstanceAction.Stop, Missing, null, CancellationToken.None));

        Assert.Equal(ActionFailure.NotFound, error.Failure);
    }

    [Fact]
    public async Task StopModifyStart_StoppedResizedStarted_FakeInstanceChangedAtEachStep()
    {
        await _actions.TagOriginalTypeAsync(Web, "m5.xlarge", CancellationToken.None);
        await _actions.StopAsync(Web, CancellationToken.None);
        Assert.Equal("stopping", _web.State);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(new ObservedInstance(Web, InstanceState.Stopped, "m5.xlarge", StatusChecks.NotApplicable, "m5.xlarge"),
            await _actions.DescribeAsync(Web, CancellationToken.None));

        await _actions.ModifyInstanceTypeAsync(Web, "m5.large", CancellationToken.None);
        Assert.Equal(("stopped", "m5.large"), (_web.State, _web.InstanceType));
        await _actions.StartAsync(Web, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(new ObservedInstance(Web, InstanceState.Running, "m5.large", StatusChecks.Ok, "m5.xlarge"),
            await _actions.DescribeAsync(Web, CancellationToken.None));
        Assert.Equal(["running>stopping", "stopping>stopped", "stopped>pending", "pending>running"], _web.History.Select(c => $"{c.From}>{c.To}"));
        Assert.All(_fake.Requests, r => Assert.False(r.Parameters.ContainsKey("DryRun")));
    }

    [Fact]
    public async Task StopAsync_AlreadyStopping_IdempotentLikeEc2()
    {
        await _actions.StopAsync(Web, CancellationToken.None);
        await _actions.StopAsync(Web, CancellationToken.None);

        Assert.Equal("stopping", _web.State);
    }

    [Fact]
    public async Task ModifyInstanceTypeAsync_Running_IncorrectStateTransientAndTypeKept()
    {
        var error = await Assert.ThrowsAsync<InstanceActionException>(() => _actions.ModifyInstanceTypeAsync(Web, "m5.large", CancellationToken.None));

        Assert.Equal((ActionFailure.IncorrectState, true), (error.Failure, error.IsTransient));
        Assert.Equal(
            $"Could not change the type of instance {Web} to m5.large: the instance is not in a state that allows it. " +
            $"AWS said: The instance '{Web}' is not in the 'stopped' state.", error.Message);
        Assert.Equal("m5.xlarge", _web.InstanceType);
    }

    [Fact]
    public async Task StartAsync_NoCapacityForTheType_InsufficientCapacityAndStaysStopped()
    {
        await StopAsync();
        _region.RemoveCapacity("m5.xlarge");

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => _actions.StartAsync(Web, CancellationToken.None));

        Assert.Equal((ActionFailure.InsufficientCapacity, false), (error.Failure, error.IsTransient));
        Assert.StartsWith($"Could not start instance {Web}: AWS has no capacity for the instance type in its Availability Zone right now. " +
            "AWS said: We currently do not have sufficient m5.xlarge capacity in the Availability Zone you requested (us-east-1a).",
            error.Message, StringComparison.Ordinal);
        Assert.Equal("stopped", _web.State);
    }

    [Fact]
    public async Task StartAsync_CapacityFailsOnceWithoutRetries_InsufficientCapacity()
    {
        await StopAsync();
        _region.FailNextStart(Web);
        using var ec2 = Ec2(maxErrorRetry: 0);

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => new AwsInstanceActions(ec2).StartAsync(Web, CancellationToken.None));

        Assert.Equal(ActionFailure.InsufficientCapacity, error.Failure);
        Assert.Equal(1, _fake.Count("StartInstances"));
        Assert.Equal("stopped", _web.State);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Action_UnknownInstance_NotFoundNamingIt(InstanceAction action)
    {
        var error = await Assert.ThrowsAsync<InstanceActionException>(() => ActAsync(_actions, action, Missing));

        Assert.Equal(ActionFailure.NotFound, error.Failure);
        Assert.Contains(Missing, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("the instance does not exist in this account and region.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModifyInstanceTypeAsync_UnknownType_RejectedWithAwsMessage()
    {
        await StopAsync();

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => _actions.ModifyInstanceTypeAsync(Web, "m5.huge", CancellationToken.None));

        Assert.Equal((ActionFailure.Rejected, false), (error.Failure, error.IsTransient));
        Assert.Equal($"AWS refused to change the type of instance {Web} to m5.huge: Value (m5.huge) for parameter instanceType is invalid. Unknown instance type.",
            error.Message);
        Assert.Equal("m5.xlarge", _web.InstanceType);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Action_Denied_DeniedAndNothingChanged(InstanceAction action)
    {
        await StopAsync(); // stopped, so that every action would otherwise succeed
        _fake.Account(Customer).Deny(action.IamName());

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => ActAsync(_actions, action, Web));

        Assert.Equal(ActionFailure.Denied, error.Failure);
        Assert.Contains($"AWS denied {action.IamName()}.", error.Message, StringComparison.Ordinal);
        Assert.Equal(("stopped", "m5.xlarge", 1), (_web.State, _web.InstanceType, _web.Tags.Count));
    }

    [Fact]
    public async Task DescribeAsync_StatusChecksDenied_DeniedNamingDescribeInstanceStatusAndTheTemplate()
    {
        _fake.Account(Customer).Deny("ec2:DescribeInstanceStatus");

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => _actions.DescribeAsync(Web, CancellationToken.None));

        Assert.Equal(ActionFailure.Denied, error.Failure);
        Assert.Equal(
            $"CostPilot may not read the status checks of instance {Web}: AWS denied ec2:DescribeInstanceStatus. For an account connected with the " +
            "CloudFormation role, update the CostPilotAccess stack to CostPilot's current template; for access keys, add ec2:DescribeInstanceStatus " +
            "to the keys' IAM policy.", error.Message);
    }

    [Theory]
    [InlineData(FakeFault.Throttle)]
    [InlineData(FakeFault.ServerError)]
    public async Task StopAsync_ThrottledOrInternalError_UnavailableTransient(FakeFault fault)
    {
        _fake.FailNext(Customer, Region, "StopInstances", fault);
        using var ec2 = Ec2(maxErrorRetry: 0);

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => new AwsInstanceActions(ec2).StopAsync(Web, CancellationToken.None));

        Assert.Equal((ActionFailure.Unavailable, true), (error.Failure, error.IsTransient));
        Assert.StartsWith($"Could not stop instance {Web}: AWS ", error.Message, StringComparison.Ordinal);
        Assert.Equal("running", _web.State);
    }

    [Fact]
    public async Task StopAsync_ThrottledUntilRetriesRunOut_UnavailableAfterEveryAttempt()
    {
        _fake.FailNext(Customer, Region, "StopInstances", FakeFault.Throttle, times: 3);

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => _actions.StopAsync(Web, CancellationToken.None));

        Assert.Equal(ActionFailure.Unavailable, error.Failure);
        Assert.Equal($"Could not stop instance {Web}: AWS kept throttling the request after several retries.", error.Message);
        Assert.Equal(3, _fake.Count("StopInstances"));
        Assert.Equal("running", _web.State);
    }

    [Fact]
    public async Task StopAsync_UnknownAccessKey_InvalidCredentials()
    {
        using var ec2 = new AwsClientFactory(Options.Create(new AwsOptions { ServiceUrl = _fake.Url }))
            .CreateEc2(new BasicAWSCredentials("AKIAFAKEUNKNOWN00001", Secret), Region);

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => new AwsInstanceActions(ec2).StopAsync(Web, CancellationToken.None));

        Assert.Equal(ActionFailure.InvalidCredentials, error.Failure);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.Equal("running", _web.State);
    }

    [Fact]
    public async Task StopAsync_NoAnswerInTime_Unavailable()
    {
        _fake.TimeoutDelay = TimeSpan.FromSeconds(20);
        using var ec2 = Ec2(maxErrorRetry: 0, timeout: TimeSpan.FromSeconds(1));
        var actions = new AwsInstanceActions(ec2);
        // A first call opens the connection: on a busy box the timeout could otherwise run out before the request is sent.
        await actions.DescribeAsync(Web, CancellationToken.None);
        // The SDK's transport has been seen to send a timed-out request once more even without retries: hold every copy.
        _fake.FailNext(Customer, Region, "StopInstances", FakeFault.Timeout, times: 3);

        var error = await Assert.ThrowsAsync<InstanceActionException>(() => actions.StopAsync(Web, CancellationToken.None));

        Assert.Equal(ActionFailure.Unavailable, error.Failure);
        Assert.Equal($"Could not stop instance {Web}: AWS did not answer in time.", error.Message);
    }

    [Fact]
    public async Task StopAsync_CallerCancelsWhileWaiting_OperationCanceledNotTranslated()
    {
        _fake.TimeoutDelay = TimeSpan.FromSeconds(20);
        _fake.FailNext(Customer, Region, "StopInstances", FakeFault.Timeout);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var error = await Record.ExceptionAsync(() => _actions.StopAsync(Web, cancel.Token));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    [Fact]
    public async Task DescribeAsync_CancelledBefore_OperationCanceled()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _actions.DescribeAsync(Web, cancel.Token));
    }

    private static Task ActAsync(AwsInstanceActions actions, InstanceAction action, string instanceId) => action switch
    {
        InstanceAction.Stop => actions.StopAsync(instanceId, CancellationToken.None),
        InstanceAction.Start => actions.StartAsync(instanceId, CancellationToken.None),
        InstanceAction.ModifyInstanceType => actions.ModifyInstanceTypeAsync(instanceId, "m5.large", CancellationToken.None),
        _ => actions.TagOriginalTypeAsync(instanceId, "m5.xlarge", CancellationToken.None),
    };

    private static string Ec2Action(InstanceAction action) => action.IamName()["ec2:".Length..];

    private async Task StopAsync()
    {
        await _actions.StopAsync(Web, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("stopped", _web.State);
    }

    private void AssertUnchanged()
    {
        Assert.Equal(("running", "m5.xlarge"), (_web.State, _web.InstanceType));
        Assert.Equal(new Dictionary<string, string> { ["Name"] = "web" }, _web.Tags);
        Assert.Empty(_web.History);
    }

    private IAmazonEC2 Ec2(int maxErrorRetry = 2, TimeSpan? timeout = null) =>
        new AwsClientFactory(Options.Create(new AwsOptions
        {
            ServiceUrl = _fake.Url,
            MaxErrorRetry = maxErrorRetry,
            RequestTimeout = timeout ?? TimeSpan.FromSeconds(30),
        })).CreateEc2(new BasicAWSCredentials(KeyId, Secret), Region);
}
