using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using CostPilot.Domain.Inventory;
using Microsoft.Extensions.Options;

namespace CostPilot.Infrastructure.Aws;

public sealed record CallerIdentity(string AccountId, string Arn)
{
    /// <summary>The account's root user ("arn:aws:iam::123456789012:root"), whose keys can do anything in the account.</summary>
    public bool IsRootUser => Arn.EndsWith(":root", StringComparison.Ordinal);
}

/// <summary>The principal client roles must trust, or why there is none.</summary>
public sealed record TrustedPrincipal(string? Arn, string? Problem);

/// <summary>STS: who a set of credentials is, assuming client roles, and CostPilot's own identity.</summary>
public sealed partial class AwsIdentityService(AwsClientFactory clients, IOptions<AwsOptions> options, TimeProvider clock)
{
    private const string ExternalIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private TrustedPrincipal? _cachedPrincipal;
    private DateTimeOffset _cachedAt;

    /// <summary>
    /// CostPilot's own credentials: CostPilot:Aws:AccessKeyId/SecretAccessKey, else the standard AWS_ACCESS_KEY_ID /
    /// AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) variables, else — only when CostPilot:Aws:UseDefaultCredentialChain is
    /// true, e.g. on EC2, ECS or EKS — the SDK's full default chain (profiles, instance metadata). Null when there are none:
    /// the chain is never probed by surprise, so a server outside AWS does not call the instance metadata address.
    /// </summary>
    public AWSCredentials? ServerCredentials
    {
        get
        {
            var o = options.Value;
            if (o is { AccessKeyId.Length: > 0, SecretAccessKey.Length: > 0 })
            {
                return new BasicAWSCredentials(o.AccessKeyId, o.SecretAccessKey);
            }
            var key = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
            var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
            if (!string.IsNullOrEmpty(key) && !string.IsNullOrEmpty(secret))
            {
                var token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
                return string.IsNullOrEmpty(token) ? new BasicAWSCredentials(key, secret) : new SessionAWSCredentials(key, secret, token);
            }
            return o.UseDefaultCredentialChain ? Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials() : null;
        }
    }

    private AWSCredentials RequireServerCredentials() => ServerCredentials ?? throw new InventoryException(InventoryFailure.InvalidCredentials,
        "CostPilot has no AWS credentials of its own, so it cannot assume client roles. An administrator must configure the server's AWS identity.");

    public async Task<CallerIdentity> GetCallerIdentityAsync(AWSCredentials? credentials, CancellationToken ct)
    {
        using var sts = clients.CreateSts(credentials ?? RequireServerCredentials());
        try
        {
            var response = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct);
            return new CallerIdentity(response.Account, response.Arn);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw AwsErrors.Translate(e, "sts:GetCallerIdentity");
        }
    }

    /// <summary>Assumes a client's role with its External ID; the result is good for an hour.</summary>
    public Task<AWSCredentials> AssumeRoleAsync(string roleArn, string externalId, CancellationToken ct) =>
        AssumeRoleAsync(roleArn, externalId, "costpilot-", ct);

    /// <summary>
    /// Whether the role lets CostPilot in with an External ID no one was given (one AssumeRole with a fresh random one).
    /// A role like that checks no External ID at all, so anyone who knows its ARN could have CostPilot read the account
    /// for them: the confused deputy the External ID exists to stop. False when AWS denies the attempt.
    /// </summary>
    public async Task<bool> AcceptsAnyExternalIdAsync(string roleArn, CancellationToken ct)
    {
        try
        {
            // The session name says what this was to whoever reads the account's CloudTrail.
            await AssumeRoleAsync(roleArn, RandomNumberGenerator.GetString(ExternalIdAlphabet, 40), "costpilot-external-id-check-", ct);
            return true;
        }
        catch (InventoryException e) when (e.Failure is InventoryFailure.AccessDenied)
        {
            return false;
        }
    }

    private async Task<AWSCredentials> AssumeRoleAsync(string roleArn, string externalId, string sessionPrefix, CancellationToken ct)
    {
        using var sts = clients.CreateSts(RequireServerCredentials());
        try
        {
            var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = roleArn,
                ExternalId = externalId,
                RoleSessionName = sessionPrefix + clock.GetUtcNow().ToUnixTimeSeconds(),
                DurationSeconds = 3600,
            }, ct);
            var c = response.Credentials;
            return new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var translated = AwsErrors.Translate(e, "sts:AssumeRole");
            throw translated.Failure is InventoryFailure.AccessDenied
                ? new InventoryException(InventoryFailure.AccessDenied,
                    "CostPilot could not assume this role. Check the role ARN, that the stack finished creating, and that the role trusts CostPilot with exactly this External ID.", e)
                : translated.Failure is InventoryFailure.InvalidCredentials
                    ? new InventoryException(InventoryFailure.InvalidCredentials,
                        "CostPilot's own AWS credentials are not valid, so it cannot assume roles. An administrator must fix the server's AWS identity.", e)
                    : translated;
        }
    }

    /// <summary>The ARN the CloudFormation template trusts. Cached for ten minutes.</summary>
    public async Task<TrustedPrincipal> GetTrustedPrincipalAsync(CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.TrustedPrincipalArn))
        {
            return new TrustedPrincipal(options.Value.TrustedPrincipalArn.Trim(), null);
        }
        if (_cachedPrincipal is { } cached && clock.GetUtcNow() - _cachedAt < TimeSpan.FromMinutes(10))
        {
            return cached;
        }
        TrustedPrincipal result;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var identity = await GetCallerIdentityAsync(null, timeout.Token);
            result = new TrustedPrincipal(ToTrustableArn(identity.Arn), null);
        }
        catch (Exception e) when (e is InventoryException or AmazonClientException or OperationCanceledException)
        {
            result = new TrustedPrincipal(null,
                "The CostPilot server has no AWS identity of its own, so client roles have nothing to trust. " +
                "Set CostPilot__Aws__TrustedPrincipalArn (the IAM role or user CostPilot runs as), or give the server AWS credentials.");
        }
        _cachedPrincipal = result;
        _cachedAt = clock.GetUtcNow();
        return result;
    }

    /// <summary>An assumed-role session ARN is not a valid trust principal; its role is.</summary>
    internal static string ToTrustableArn(string arn)
    {
        var match = AssumedRole().Match(arn);
        return match.Success ? $"arn:{match.Groups[1].Value}:iam::{match.Groups[2].Value}:role/{match.Groups[3].Value}" : arn;
    }

    [GeneratedRegex(@"^arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([^/]+)/.+$")]
    private static partial Regex AssumedRole();
}
