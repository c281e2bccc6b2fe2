namespace CostPilot.Domain.Accounts;

public enum AccountStatus
{
    Connected,
    Discovering,
    Active,
    Error,

    /// <summary>A discovery was cut off (its server stopped, or lost the database) and resumes by itself.</summary>
    Interrupted,
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
