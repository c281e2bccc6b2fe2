using Amazon.Runtime;
using CostPilot.Domain.Inventory;

namespace CostPilot.Infrastructure.Aws;

/// <summary>Turns AWS SDK failures into <see cref="InventoryException"/>s with messages a user can act on.</summary>
internal static class AwsErrors
{
    public static InventoryException Translate(Exception e, string what) => e switch
    {
        InventoryException already => already,
        AmazonUnmarshallingException =>
            new(InventoryFailure.Unavailable, $"AWS answered {what} with a response CostPilot could not read.", e),
        AmazonServiceException s => s.ErrorCode switch
        {
            "InvalidClientTokenId" or "SignatureDoesNotMatch" or "IncompleteSignature" or "InvalidAccessKeyId" =>
                new(InventoryFailure.InvalidCredentials, "AWS does not recognise these credentials (wrong key id or secret, or the key was deleted).", e),
            "ExpiredToken" or "ExpiredTokenException" or "RequestExpired" =>
                new(InventoryFailure.InvalidCredentials, "The AWS credentials have expired.", e),
            "AuthFailure" =>
                new(InventoryFailure.RegionDisabled, $"AWS refused {what}: the region is not enabled for this account, or the credentials are not valid there.", e),
            "UnauthorizedOperation" or "AccessDenied" or "AccessDeniedException" or "UnauthorizedAccess" =>
                new(InventoryFailure.AccessDenied, $"Access denied for {what}: an IAM policy or a service control policy blocks it.", e),
            "RequestLimitExceeded" or "Throttling" or "ThrottlingException" or "TooManyRequestsException" =>
                new(InventoryFailure.Throttled, $"AWS kept throttling {what} after several retries.", e),
            _ when (int)s.StatusCode >= 500 =>
                new(InventoryFailure.Unavailable, $"AWS had an internal error during {what} ({s.ErrorCode}).", e),
            _ => new(InventoryFailure.Unavailable, $"AWS refused {what}: {s.ErrorCode ?? $"HTTP {(int)s.StatusCode}"}.", e),
        },
        HttpRequestException or IOException or AmazonClientException { InnerException: HttpRequestException or IOException } =>
            new(InventoryFailure.Unavailable, $"Could not reach AWS for {what} (network error).", e),
        // The SDK's own complaints (no region, bad endpoint setting, ...) say what is wrong; they carry no secrets.
        AmazonClientException c =>
            new(InventoryFailure.Unavailable, $"The AWS client could not make {what}: {c.Message}", e),
        TimeoutException or TaskCanceledException or OperationCanceledException =>
            new(InventoryFailure.Unavailable, $"AWS did not answer {what} in time.", e),
        _ => new(InventoryFailure.Unavailable, $"{what} failed unexpectedly ({e.GetType().Name}).", e),
    };
}
