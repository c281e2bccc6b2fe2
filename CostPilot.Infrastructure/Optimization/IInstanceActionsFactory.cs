using CostPilot.Domain.Accounts;
using CostPilot.Domain.Optimization;

namespace CostPilot.Infrastructure.Optimization;

/// <summary>Opens the EC2 actions of one account in one region: the sample account's simulation, or AWS with the account's credentials.</summary>
public interface IInstanceActionsFactory
{
    Task<IInstanceActions> CreateAsync(Account account, string region, CancellationToken ct);
}
