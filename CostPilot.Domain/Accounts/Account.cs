namespace CostPilot.Domain.Accounts;

/// <summary>A connection from a CostPilot user to one AWS account.</summary>
public sealed class Account
{
    public const int MaxNameLength = 100;
    public const int MaxStatusMessageLength = 2000;

    private Account() { } // EF

    public Account(AwsAccountId awsAccountId, string ownerId, string name, ConnectionMethod method, DateTimeOffset createdAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ownerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Id = Guid.CreateVersion7(createdAt);
        AwsAccountId = awsAccountId;
        OwnerId = ownerId;
        Name = name.Trim().Length > MaxNameLength ? name.Trim()[..MaxNameLength] : name.Trim();
        Method = method;
        Status = AccountStatus.Connected;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public AwsAccountId AwsAccountId { get; private set; }
    public string OwnerId { get; private set; } = "";
    public string Name { get; private set; } = "";
    public ConnectionMethod Method { get; private set; }

    /// <summary>For <see cref="ConnectionMethod.IamRole"/>: the role CostPilot assumes.</summary>
    public string? RoleArn { get; private set; }

    /// <summary>For <see cref="ConnectionMethod.IamRole"/>: the External ID the role's trust policy demands.</summary>
    public string? ExternalId { get; private set; }

    /// <summary>For <see cref="ConnectionMethod.AccessKeys"/>: the access key id (not secret on its own).</summary>
    public string? AccessKeyId { get; private set; }

    /// <summary>For <see cref="ConnectionMethod.AccessKeys"/>: the secret key, encrypted (AES-256-GCM).</summary>
    public byte[]? EncryptedSecret { get; private set; }

    /// <summary>Which version of the encryption key sealed <see cref="EncryptedSecret"/>.</summary>
    public int? KeyVersion { get; private set; }

    public AccountStatus Status { get; private set; }
    public string? StatusMessage { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? LastDiscoveryAt { get; private set; }

    /// <summary>When the discovery under way (or the last one) last showed progress: its start, then every few seconds while it finds things.</summary>
    public DateTimeOffset? DiscoveryProgressAt { get; private set; }

    /// <summary>A discovery is running, or was cut off and is about to resume.</summary>
    public bool IsDiscoveryInProgress => Status is AccountStatus.Discovering or AccountStatus.Interrupted;

    /// <summary>The monthly availability its owner commits to (an SLA, percent): what CostPilot's changes may cost in downtime.</summary>
    public decimal AvailabilityTarget { get; private set; } = Optimization.AvailabilityReport.DefaultTargetPercent;

    /// <summary>Why <paramref name="percent"/> cannot be a target (from 90 % to 99.999 %, at most three decimals); null when it can.</summary>
    public static string? AvailabilityTargetError(decimal percent) =>
        percent < Optimization.AvailabilityReport.MinTargetPercent || percent > Optimization.AvailabilityReport.MaxTargetPercent
            ? "The availability target must be between 90 % and 99.999 %."
            : decimal.Round(percent, 3) != percent
                ? "The availability target takes at most three decimals (for example 99.95)."
                : null;

    public void SetAvailabilityTarget(decimal percent)
    {
        if (AvailabilityTargetError(percent) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, error);
        }
        AvailabilityTarget = percent;
    }

    /// <summary>The regions AWS last listed as enabled; the next discovery starts on them before the list is confirmed.</summary>
    public List<string> EnabledRegions { get; private set; } = [];

    public void UseRole(string roleArn, string externalId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(roleArn);
        ArgumentException.ThrowIfNullOrWhiteSpace(externalId);
        RoleArn = roleArn;
        ExternalId = externalId;
        AccessKeyId = null;
        EncryptedSecret = null;
        KeyVersion = null;
    }

    public void UseAccessKeys(string accessKeyId, byte[] encryptedSecret, int keyVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accessKeyId);
        ArgumentNullException.ThrowIfNull(encryptedSecret);
        AccessKeyId = accessKeyId;
        EncryptedSecret = encryptedSecret;
        KeyVersion = keyVersion;
        RoleArn = null;
        ExternalId = null;
    }

    public void Rename(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var trimmed = name.Trim();
        Name = trimmed.Length > MaxNameLength ? trimmed[..MaxNameLength] : trimmed;
    }

    public void RecordEnabledRegions(IEnumerable<string> regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        EnabledRegions = [.. regions.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public void StartDiscovery()
    {
        if (Status is not (AccountStatus.Connected or AccountStatus.Active or AccountStatus.Error))
        {
            throw new InvalidStateTransitionException(Status, AccountStatus.Discovering);
        }
        Status = AccountStatus.Discovering;
        StatusMessage = null;
    }

    /// <summary>
    /// Takes over a discovery that was cut off: marked interrupted, or still "discovering" because its job died mid-way
    /// (the job's lock proves nobody else runs it). What the earlier run stored stays; the scan starts over on top of it.
    /// </summary>
    public void ResumeDiscovery()
    {
        if (!IsDiscoveryInProgress)
        {
            throw new InvalidStateTransitionException(Status, AccountStatus.Discovering);
        }
        Status = AccountStatus.Discovering;
        StatusMessage = null;
    }

    /// <summary>The discovery's job stopped before it finished (a shutdown, a crash, a lost database); it resumes by itself.</summary>
    public void InterruptDiscovery(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (Status is not AccountStatus.Discovering)
        {
            throw new InvalidStateTransitionException(Status, AccountStatus.Interrupted);
        }
        Status = AccountStatus.Interrupted;
        StatusMessage = Truncate(reason);
    }

    public void RecordDiscoveryProgress(DateTimeOffset at)
    {
        if (Status is not AccountStatus.Discovering)
        {
            throw new InvalidStateTransitionException(Status, AccountStatus.Discovering);
        }
        DiscoveryProgressAt = at;
    }

    /// <summary>
    /// Whether "Rescan now" may start another discovery: always, unless one is under way and showed progress within
    /// <paramref name="stalledAfter"/> (then it is working, and a second scan could only wait for its lock).
    /// </summary>
    public bool MayRescan(DateTimeOffset now, TimeSpan stalledAfter) =>
        !IsDiscoveryInProgress || DiscoveryProgressAt is not { } progress || now - progress >= stalledAfter;

    /// <param name="warning">Set when some regions could not be scanned; the account is still usable.</param>
    public void CompleteDiscovery(DateTimeOffset at, string? warning = null)
    {
        if (Status is not AccountStatus.Discovering)
        {
            throw new InvalidStateTransitionException(Status, AccountStatus.Active);
        }
        Status = AccountStatus.Active;
        StatusMessage = Truncate(warning);
        LastDiscoveryAt = at;
    }

    public void FailDiscovery(string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        if (Status is not AccountStatus.Discovering)
        {
            throw new InvalidStateTransitionException(Status, AccountStatus.Error);
        }
        Status = AccountStatus.Error;
        StatusMessage = Truncate(message);
    }

    private static string? Truncate(string? message) =>
        message is { Length: > MaxStatusMessageLength } ? message[..MaxStatusMessageLength] : message;
}
