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

    /// <summary>Takes over a discovery whose job died mid-way (the job's lock proves nobody else runs it).</summary>
    public void RestartStaleDiscovery()
    {
        if (Status is not AccountStatus.Discovering)
        {
            throw new InvalidStateTransitionException(Status, AccountStatus.Discovering);
        }
        StatusMessage = null;
    }

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
