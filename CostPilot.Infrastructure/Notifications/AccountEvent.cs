using CostPilot.Domain.Accounts;

namespace CostPilot.Infrastructure.Notifications;

/// <summary>A change to an account that open pages should show at once: status, discovery progress, removal, new costs.</summary>
public sealed record AccountEvent(
    Guid AccountId,
    string OwnerId,
    AccountStatus Status,
    string? StatusMessage,
    int RegionsDone,
    int RegionsTotal,
    int InstancesFound,
    bool Removed,
    DateTimeOffset At)
{
    /// <summary>A new account: the owner's other tabs list it.</summary>
    public static AccountEvent Connected(Account account, DateTimeOffset at) =>
        new(account.Id, account.OwnerId, account.Status, null, 0, 0, 0, Removed: false, at);

    public static AccountEvent RemovedNow(Account account, DateTimeOffset at) =>
        new(account.Id, account.OwnerId, account.Status, null, 0, 0, 0, Removed: true, at);

    /// <summary>Something other than discovery changed the account's figures (a new price catalog): pages reload it.</summary>
    public static AccountEvent Changed(Guid accountId, string ownerId, AccountStatus status, string? statusMessage, DateTimeOffset at) =>
        new(accountId, ownerId, status, statusMessage, 0, 0, 0, Removed: false, at);

    /// <summary>Discovery's progress so far.</summary>
    public static AccountEvent Progress(Account account, AccountStatus status, string? statusMessage, int regionsDone, int regionsTotal,
        int instancesFound, DateTimeOffset at) =>
        new(account.Id, account.OwnerId, status, statusMessage, regionsDone, regionsTotal, instancesFound, Removed: false, at);
}
