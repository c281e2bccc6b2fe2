using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Sandbox;
using Microsoft.Extensions.Configuration;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>
/// Opens the right inventory source for an account: the sandbox fleet (whose spot prices follow the app's price catalog), or
/// AWS with its credentials.
/// </summary>
public sealed class InventorySourceFactory(
    AwsClientFactory clients,
    AccountCredentials credentials,
    IConfiguration configuration,
    IPriceCatalog catalog,
    TimeProvider clock)
{
    public async Task<IInventorySource> CreateAsync(Account account, CancellationToken ct) => account.Method switch
    {
        ConnectionMethod.Sandbox => new SandboxInventorySource(
            TimeSpan.FromMilliseconds(configuration.GetValue("CostPilot:Sandbox:PageDelayMs", 150)), catalog, clock),
        _ => new AwsInventorySource(clients, await credentials.ForAsync(account, ct), clock),
    };
}
