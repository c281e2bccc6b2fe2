using Amazon.Runtime;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Sandbox;
using CostPilot.Infrastructure.Security;
using Microsoft.Extensions.Configuration;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>
/// Opens the right inventory source for an account: the sandbox fleet (whose spot prices follow the app's price catalog), or
/// AWS with its credentials.
/// </summary>
public sealed class InventorySourceFactory(
    AwsClientFactory clients,
    AwsIdentityService identity,
    SecretProtector protector,
    IConfiguration configuration,
    IPriceCatalog catalog,
    TimeProvider clock)
{
    public static string SecretPurpose(Guid accountId) => $"account:{accountId}:aws-secret-access-key";

    public async Task<IInventorySource> CreateAsync(Account account, CancellationToken ct) => account.Method switch
    {
        ConnectionMethod.Sandbox => new SandboxInventorySource(
            TimeSpan.FromMilliseconds(configuration.GetValue("CostPilot:Sandbox:PageDelayMs", 150)), catalog),
        ConnectionMethod.AccessKeys => new AwsInventorySource(clients, new BasicAWSCredentials(
            account.AccessKeyId,
            protector.Unprotect(account.EncryptedSecret!, account.KeyVersion ?? 1, SecretPurpose(account.Id))), clock),
        ConnectionMethod.IamRole => new AwsInventorySource(clients,
            await identity.AssumeRoleAsync(account.RoleArn!, account.ExternalId!, ct), clock),
        _ => throw new InvalidOperationException($"Unknown connection method {account.Method}."),
    };
}
