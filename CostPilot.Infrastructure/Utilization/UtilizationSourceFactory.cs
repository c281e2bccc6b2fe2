using CostPilot.Domain.Accounts;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Aws.CloudWatch;
using CostPilot.Infrastructure.Sandbox;
using Microsoft.Extensions.Configuration;

namespace CostPilot.Infrastructure.Utilization;

/// <summary>Opens the right utilization source for an account: the sample fleet's simulation, or CloudWatch with the account's credentials.</summary>
public sealed class UtilizationSourceFactory(CloudWatchClient cloudWatch, AccountCredentials credentials, IConfiguration configuration)
{
    public async Task<IUtilizationSource> CreateAsync(Account account, CancellationToken ct) => account.Method switch
    {
        ConnectionMethod.Sandbox => new SandboxUtilizationSource(
            TimeSpan.FromMilliseconds(configuration.GetValue("CostPilot:Sandbox:PageDelayMs", 150))),
        _ => new CloudWatchUtilizationSource(cloudWatch, await credentials.ForAsync(account, ct)),
    };
}
