using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CostPilot.Tests.Fakes;

/// <summary>Who signed a request.</summary>
internal sealed record FakeCaller(FakeAwsAccount Account, string AccessKeyId, string Arn, string UserId);

/// <summary>Temporary credentials issued by AssumeRole.</summary>
internal sealed record FakeSession(
    string AccessKeyId,
    string Secret,
    string Token,
    FakeAwsAccount Account,
    string RoleName,
    string SessionName,
    DateTimeOffset Expiration)
{
    public string Arn => $"arn:aws:sts::{Account.AccountId}:assumed-role/{RoleName}/{SessionName}";

    public string AssumedRoleId => FakeIdentities.RoleId(Account.RoleArn(RoleName)) + ":" + SessionName;
}

/// <summary>Why a request's credentials were refused; each API maps it to its own error code.</summary>
internal enum AuthProblem
{
    Missing,
    Malformed,
    UnknownKey,
    BadSignature,
    BadToken,
    Expired,
}

/// <summary>Accounts, long-term keys and issued sessions of one fake server. Thread-safe.</summary>
internal sealed partial class FakeIdentities(FakeEc2Settings ec2)
{
    private const string UpperAlphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private readonly ConcurrentDictionary<string, FakeAwsAccount> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Secret, FakeAwsAccount Account, bool Root)> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeSession> _sessions = new(StringComparer.Ordinal);

    public FakeAwsAccount AddAccount(string accountId)
    {
        if (!AccountIdPattern().IsMatch(accountId))
        {
            throw new ArgumentException($"'{accountId}' is not a 12-digit AWS account id.", nameof(accountId));
        }

        var account = new FakeAwsAccount(accountId, AddKey, ec2);
        return _accounts.TryAdd(accountId, account)
            ? account
            : throw new InvalidOperationException($"Account {accountId} already exists.");
    }

    public FakeAwsAccount? FindAccount(string accountId) => _accounts.GetValueOrDefault(accountId);

    /// <summary>The secret to verify the signature with and the caller, or the reason the key is refused.</summary>
    public (string? Secret, FakeCaller? Caller, AuthProblem? Problem) Resolve(string accessKeyId, string? securityToken, DateTimeOffset now)
    {
        if (_keys.TryGetValue(accessKeyId, out var key))
        {
            // A long-term key with a session token is as wrong as a bad token. The root user's id is its account's id.
            var caller = key.Root
                ? new FakeCaller(key.Account, accessKeyId, $"arn:aws:iam::{key.Account.AccountId}:root", key.Account.AccountId)
                : new FakeCaller(key.Account, accessKeyId, $"arn:aws:iam::{key.Account.AccountId}:user/fake", UserId(accessKeyId));
            return string.IsNullOrEmpty(securityToken) ? (key.Secret, caller, null) : (null, null, AuthProblem.BadToken);
        }

        if (_sessions.TryGetValue(accessKeyId, out var session))
        {
            if (securityToken is null || !CryptographicOperations.FixedTimeEquals(
                    Encoding.UTF8.GetBytes(securityToken), Encoding.UTF8.GetBytes(session.Token)))
            {
                return (null, null, AuthProblem.BadToken);
            }

            return session.Expiration <= now
                ? (session.Secret, null, AuthProblem.Expired)
                : (session.Secret, new FakeCaller(session.Account, accessKeyId, session.Arn, session.AssumedRoleId), null);
        }

        return (null, null, AuthProblem.UnknownKey);
    }

    public FakeSession CreateSession(FakeAwsAccount account, string roleName, string sessionName, TimeSpan duration, DateTimeOffset now)
    {
        var session = new FakeSession(
            "ASIA" + RandomNumberGenerator.GetString(UpperAlphanumeric, 16),
            RandomNumberGenerator.GetString(SecretAlphabet, 40),
            "FQoGZXIvYXdzE" + RandomNumberGenerator.GetString(SecretAlphabet, 300),
            account,
            roleName,
            sessionName,
            now + duration);
        _sessions[session.AccessKeyId] = session;
        return session;
    }

    public void ExpireSessions(DateTimeOffset now)
    {
        foreach (var (id, session) in _sessions)
        {
            _sessions[id] = session with { Expiration = now.AddSeconds(-1) };
        }
    }

    /// <summary>A stable unique id like IAM's ("AIDA...", "AROA..."), derived from a name.</summary>
    public static string RoleId(string roleArn) => "AROA" + StableSuffix(roleArn);

    private static string UserId(string accessKeyId) => "AIDA" + StableSuffix(accessKeyId);

    private static string StableSuffix(string seed) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))[..17];

    private void AddKey(string accessKeyId, string secret, FakeAwsAccount account, bool root)
    {
        if (!_keys.TryAdd(accessKeyId, (secret, account, root)))
        {
            throw new InvalidOperationException($"Access key {accessKeyId} already exists.");
        }
    }

    [GeneratedRegex(@"^\d{12}$")]
    private static partial Regex AccountIdPattern();
}
