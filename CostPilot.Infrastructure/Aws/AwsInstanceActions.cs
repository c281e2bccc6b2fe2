using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using CostPilot.Domain.Optimization;
using InstanceState = CostPilot.Domain.Inventory.InstanceState;

namespace CostPilot.Infrastructure.Aws;

/// <summary>
/// An experiment's EC2 actions in one account and region, through the real AWS SDK. The caller creates the client
/// (<see cref="AwsClientFactory.CreateEc2"/>) and disposes of it. A dry run is the real call with DryRun=true, so IAM judges
/// exactly the request the action will make (ModifyInstanceAttribute with the instance-type attribute, CreateTags with the
/// original-type tag: the CloudFormation role's conditions). Every failure leaves as an <see cref="InstanceActionException"/>,
/// except the caller's own cancellation.
/// </summary>
public sealed class AwsInstanceActions(IAmazonEC2 ec2) : IInstanceActions
{
    private const string DescribeInstances = "ec2:DescribeInstances";
    private const string DescribeInstanceStatus = "ec2:DescribeInstanceStatus";

    public async Task<ObservedInstance?> DescribeAsync(string instanceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        var what = $"describe instance {instanceId}";
        try
        {
            var described = await CallAsync(
                () => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, ct), DescribeInstances, what, ct);
            var instance = (described.Reservations ?? []).SelectMany(r => r.Instances ?? []).FirstOrDefault(i => i.InstanceId == instanceId);
            if (instance is null)
            {
                return null;
            }

            var state = new InstanceState(Required(instance.State?.Name?.Value, "state", instanceId));
            var type = Required(instance.InstanceType?.Value, "type", instanceId);
            var tag = instance.Tags?.FirstOrDefault(t => t.Key == InstanceActions.OriginalTypeTag)?.Value;
            // Only a running instance has status checks; EC2 reports not-applicable for every other state.
            var checks = state.IsRunning ? await StatusChecksAsync(instanceId, ct) : StatusChecks.NotApplicable;
            return new ObservedInstance(instanceId, state, type, checks, string.IsNullOrWhiteSpace(tag) ? null : tag);
        }
        catch (InstanceActionException e) when (e.InnerException is AmazonServiceException { ErrorCode: "InvalidInstanceID.NotFound" })
        {
            return null;
        }
    }

    public async Task DryRunAsync(InstanceAction action, string instanceId, string? instanceType, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        if (action == InstanceAction.ModifyInstanceType)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(instanceType);
        }

        await SendAsync(action, instanceId, instanceType, dryRun: true, ct);
    }

    public Task StopAsync(string instanceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        return SendAsync(InstanceAction.Stop, instanceId, null, dryRun: false, ct);
    }

    public Task StartAsync(string instanceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        return SendAsync(InstanceAction.Start, instanceId, null, dryRun: false, ct);
    }

    public Task ModifyInstanceTypeAsync(string instanceId, string instanceType, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceType);
        return SendAsync(InstanceAction.ModifyInstanceType, instanceId, instanceType, dryRun: false, ct);
    }

    public Task TagOriginalTypeAsync(string instanceId, string originalType, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(originalType);
        return SendAsync(InstanceAction.Tag, instanceId, originalType, dryRun: false, ct);
    }

    /// <summary>
    /// Both checks ok: Ok; either impaired: Impaired; anything else (initializing, insufficient-data, no entry yet): Initializing.
    /// IncludeAllInstances so an instance that stopped since it was described still has an entry (not-applicable: Initializing,
    /// and the next look sees it stopped).
    /// </summary>
    private async Task<StatusChecks> StatusChecksAsync(string instanceId, CancellationToken ct)
    {
        var response = await CallAsync(
            () => ec2.DescribeInstanceStatusAsync(new DescribeInstanceStatusRequest { InstanceIds = [instanceId], IncludeAllInstances = true }, ct),
            DescribeInstanceStatus, $"read the status checks of instance {instanceId}", ct);
        var status = response.InstanceStatuses?.FirstOrDefault(s => s.InstanceId == instanceId);
        var system = status?.SystemStatus?.Status?.Value;
        var instance = status?.Status?.Status?.Value;
        return system == "impaired" || instance == "impaired" ? StatusChecks.Impaired
            : system == "ok" && instance == "ok" ? StatusChecks.Ok
            : StatusChecks.Initializing;
    }

    /// <summary>The action's call; with <paramref name="dryRun"/>, AWS's DryRunOperation answer ("would have succeeded") returns normally.</summary>
    private async Task SendAsync(InstanceAction action, string instanceId, string? instanceType, bool dryRun, CancellationToken ct)
    {
        var flag = dryRun ? true : (bool?)null;
        var what = action switch
        {
            InstanceAction.Stop => $"stop instance {instanceId}",
            InstanceAction.Start => $"start instance {instanceId}",
            InstanceAction.ModifyInstanceType => $"change the type of instance {instanceId} to {instanceType}",
            InstanceAction.Tag when instanceType is null => $"tag instance {instanceId} with its original type",
            InstanceAction.Tag => $"tag instance {instanceId} with its original type ({instanceType})",
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
        };
        try
        {
            await CallAsync<AmazonWebServiceResponse>(async () => action switch
            {
                InstanceAction.Stop => await ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [instanceId], DryRun = flag }, ct),
                InstanceAction.Start => await ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [instanceId], DryRun = flag }, ct),
                InstanceAction.ModifyInstanceType => await ec2.ModifyInstanceAttributeAsync(
                    new ModifyInstanceAttributeRequest { InstanceId = instanceId, InstanceType = instanceType, DryRun = flag }, ct),
                _ => await ec2.CreateTagsAsync(new CreateTagsRequest
                {
                    Resources = [instanceId],
                    // A dry run without the type asks with an empty value: the role's condition is on the key alone.
                    Tags = [new Tag(InstanceActions.OriginalTypeTag, instanceType ?? "")],
                    DryRun = flag,
                }, ct),
            }, action.IamName(), what, ct);
        }
        catch (InstanceActionException e) when (dryRun && e.InnerException is AmazonServiceException { ErrorCode: "DryRunOperation" })
        {
            // Allowed. (A dry run that succeeds outright changed nothing either: also allowed.)
        }
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call, string iamAction, string what, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw AwsErrors.TranslateAction(e, iamAction, what);
        }
    }

    private static string Required(string? value, string field, string instanceId) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new InstanceActionException(ActionFailure.Unavailable, $"AWS described instance {instanceId} without its {field}.")
            : value;
}
