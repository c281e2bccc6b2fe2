using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Sandbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>
/// Opens the right inventory source for an account: the sandbox fleet (whose spot prices follow the app's price catalog, with
/// what the account's experiments changed), or AWS with its credentials.
/// </summary>
public sealed class InventorySourceFactory(
    AwsClientFactory clients,
    AccountCredentials credentials,
    IConfiguration configuration,
    IPriceCatalog catalog,
    IInstanceTypeCatalog types,
    IDbContextFactory<CostPilotDbContext> dbFactory,
    TimeProvider clock)
{
    public async Task<IInventorySource> CreateAsync(Account account, CancellationToken ct) => account.Method switch
    {
        ConnectionMethod.Sandbox => new SandboxInventorySource(
            TimeSpan.FromMilliseconds(configuration.GetValue("CostPilot:Sandbox:PageDelayMs", 150)), catalog, clock,
            await SandboxChangesAsync(account.Id, ct), types),
        _ => new AwsInventorySource(clients, await credentials.ForAsync(account, ct), clock),
    };

    /// <summary>The sample account's instances its experiments touched (<see cref="SandboxInstanceActions"/>).</summary>
    private async Task<List<SandboxInstance>> SandboxChangesAsync(Guid accountId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SandboxInstances.AsNoTracking().Where(i => i.AccountId == accountId).ToListAsync(ct);
    }
}
