using CostPilot.Domain.Accounts;

namespace CostPilot.Infrastructure.Notifications;

/// <summary>A change to an account that open pages should show at once: status, discovery progress, removal.</summary>
public sealed record AccountEvent(
    Guid AccountId,
    string OwnerId,
    AccountStatus Status,
    string? StatusMessage,
    int RegionsDone,
    int RegionsTotal,
    int InstancesFound,
    bool Removed,
    DateTimeOffset At);
