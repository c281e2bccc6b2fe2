namespace CostPilot.Infrastructure.Audit;

/// <summary>
/// One thing a person did that changes what CostPilot holds or does, kept in <c>audit_events</c>: who (id and e-mail as they were
/// then), what (<see cref="AuditActions"/>), to what, when and from which address. Never a credential.
/// </summary>
public sealed class AuditEvent
{
    // Column widths: the table's (AuditEventConfiguration) and what AuditTrail clips to, spelled once.
    public const int ActorIdLength = 450;
    public const int ActorEmailLength = 256;
    public const int ActionLength = 64;
    public const int TargetKindLength = 32;
    public const int TargetIdLength = 128;
    public const int TargetLabelLength = 256;
    public const int DetailLength = 1000;
    public const int AddressLength = 64;

    public long Id { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>The user who acted; null for the system itself (start-up seeding).</summary>
    public string? ActorId { get; set; }

    /// <summary>The actor's e-mail when they acted: the trail still reads after the user is deleted.</summary>
    public string ActorEmail { get; set; } = "";

    public string Action { get; set; } = "";

    /// <summary>What was acted on: account, user, job, experiment, token.</summary>
    public string TargetKind { get; set; } = "";

    public string TargetId { get; set; } = "";

    /// <summary>A name a person recognises (the account's name, the user's e-mail), as it was then.</summary>
    public string? TargetLabel { get; set; }

    /// <summary>A sentence with the particulars (the roles before and after, the instance and the change).</summary>
    public string? Detail { get; set; }

    /// <summary>The client's address as the app saw it (after trusted forwarded headers); null when unknown.</summary>
    public string? Address { get; set; }
}

/// <summary>The audited actions; their slugs are stored and searched.</summary>
public static class AuditActions
{
    // A client's own accounts.
    public const string AccountConnected = "account.connected";
    public const string AccountRemoved = "account.removed";
    public const string AccountRescan = "account.rescan";
    public const string RecommendationApplied = "recommendation.applied";

    // A user's own API tokens.
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";

    // Administrators.
    public const string AdminAccountRescan = "admin.account.rescan";
    public const string AdminAccountRemoved = "admin.account.removed";
    public const string JobRetried = "admin.job.retried";
    public const string JobDeleted = "admin.job.deleted";
    public const string UserLocked = "admin.user.locked";
    public const string UserUnlocked = "admin.user.unlocked";
    public const string UserDisabled = "admin.user.disabled";
    public const string UserEnabled = "admin.user.enabled";
    public const string UserDeleted = "admin.user.deleted";
    public const string UserSignedOut = "admin.user.signed-out";
    public const string UserRolesChanged = "admin.user.roles-changed";

    public static readonly IReadOnlyList<string> All =
    [
        AccountConnected, AccountRemoved, AccountRescan, RecommendationApplied, TokenCreated, TokenRevoked,
        AdminAccountRescan, AdminAccountRemoved, JobRetried, JobDeleted,
        UserLocked, UserUnlocked, UserDisabled, UserEnabled, UserDeleted, UserSignedOut, UserRolesChanged,
    ];
}

public static class AuditTargets
{
    public const string Account = "account";
    public const string User = "user";
    public const string Job = "job";
    public const string Experiment = "experiment";
    public const string Token = "token";
}
