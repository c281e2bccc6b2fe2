using Amazon.Runtime;
using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Security;

namespace CostPilot.Infrastructure.Aws;

/// <summary>The AWS credentials CostPilot uses for a connected account: its access key (decrypted here only), or its role, assumed.</summary>
public sealed class AccountCredentials(AwsIdentityService identity, SecretProtector protector)
{
    /// <summary>What the account's secret access key is sealed for (AES-GCM associated data): that account and nothing else.</summary>
    public static string SecretPurpose(Guid accountId) => $"account:{accountId}:aws-secret-access-key";

    public async Task<AWSCredentials> ForAsync(Account account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.Method switch
        {
            ConnectionMethod.AccessKeys => new BasicAWSCredentials(account.AccessKeyId,
                protector.Unprotect(account.EncryptedSecret!, account.KeyVersion ?? 1, SecretPurpose(account.Id))),
            ConnectionMethod.IamRole => await identity.AssumeRoleAsync(account.RoleArn!, account.ExternalId!, ct),
            _ => throw new InvalidOperationException($"A {account.Method} account has no AWS credentials."),
        };
    }
}
