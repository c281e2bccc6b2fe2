using Amazon.EC2;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Optimization;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Sandbox;

namespace CostPilot.Infrastructure.Optimization;

/// <summary>The sample account's simulated EC2, or AWS's with the account's credentials (the client is disposed with the actions).</summary>
public sealed class InstanceActionsFactory(
    AwsClientFactory clients,
    AccountCredentials credentials,
    SandboxInstanceActionsFactory sandbox) : IInstanceActionsFactory
{
    public async Task<IInstanceActions> CreateAsync(Account account, string region, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.Method == ConnectionMethod.Sandbox)
        {
            return sandbox.Create(account.Id, region);
        }
        var ec2 = clients.CreateEc2(await credentials.ForAsync(account, ct), region);
        return new OwnedActions(ec2, new AwsInstanceActions(ec2));
    }

    /// <summary>AWS's actions holding their client, so that disposing the actions disposes the client.</summary>
    private sealed class OwnedActions(IAmazonEC2 client, AwsInstanceActions actions) : IInstanceActions, IDisposable
    {
        public Task<ObservedInstance?> DescribeAsync(string instanceId, CancellationToken ct) => actions.DescribeAsync(instanceId, ct);

        public Task DryRunAsync(InstanceAction action, string instanceId, string? instanceType, CancellationToken ct) =>
            actions.DryRunAsync(action, instanceId, instanceType, ct);

        public Task StopAsync(string instanceId, CancellationToken ct) => actions.StopAsync(instanceId, ct);

        public Task StartAsync(string instanceId, CancellationToken ct) => actions.StartAsync(instanceId, ct);

        public Task ModifyInstanceTypeAsync(string instanceId, string instanceType, CancellationToken ct) =>
            actions.ModifyInstanceTypeAsync(instanceId, instanceType, ct);

        public Task TagOriginalTypeAsync(string instanceId, string originalType, CancellationToken ct) =>
            actions.TagOriginalTypeAsync(instanceId, originalType, ct);

        public void Dispose() => client.Dispose();
    }
}
