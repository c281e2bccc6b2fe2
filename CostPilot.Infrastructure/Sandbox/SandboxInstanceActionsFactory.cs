using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostPilot.Infrastructure.Sandbox;

/// <summary>Opens the sample account's simulated EC2 actions for one account and region, with the app's settings and clock.</summary>
public sealed class SandboxInstanceActionsFactory(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    IInstanceTypeCatalog types,
    IOptions<SandboxActionOptions> options,
    TimeProvider clock)
{
    public SandboxInstanceActions Create(Guid accountId, string region) =>
        new(dbFactory, types, options.Value, clock, Random.Shared.NextDouble, accountId, region);
}
