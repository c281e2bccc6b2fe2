namespace CostPilot.Domain.Accounts;

public enum AccountStatus
{
    Connected,
    Discovering,
    Active,
    Error,
}

public enum ConnectionMethod
{
    /// <summary>CostPilot assumes a role in the client's account, guarded by an External ID.</summary>
    IamRole,

    /// <summary>Long-lived access keys, stored encrypted.</summary>
    AccessKeys,

    /// <summary>The built-in simulated fleet: no AWS at all.</summary>
    Sandbox,
}
