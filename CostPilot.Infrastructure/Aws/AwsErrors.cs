using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Infrastructure.Accounts;

namespace CostPilot.Infrastructure.Aws;

/// <summary>
/// Turns AWS SDK failures into <see cref="InventoryException"/>s (reads) or <see cref="InstanceActionException"/>s (an
/// experiment's EC2 actions) with messages a user can act on.
/// </summary>
internal static class AwsErrors
{
    public static InventoryException Translate(Exception e, string what) => e switch
    {
        InventoryException already => already,
        AmazonUnmarshallingException =>
            new(InventoryFailure.Unavailable, $"AWS answered {what} with a response CostPilot could not read.", e),
        AmazonServiceException s => s.ErrorCode switch
        {
            var code when IsUnknownCredentials(code) =>
                new(InventoryFailure.InvalidCredentials, "AWS does not recognise these credentials (wrong key id or secret, or the key was deleted).", e),
            var code when IsExpiredCredentials(code) =>
                new(InventoryFailure.InvalidCredentials, "The AWS credentials have expired.", e),
            "AuthFailure" =>
                new(InventoryFailure.RegionDisabled, $"AWS refused {what}: the region is not enabled for this account, or the credentials are not valid there.", e),
            var code when IsDenied(code) =>
                new(InventoryFailure.AccessDenied, $"Access denied for {what}: an IAM policy or a service control policy blocks it.", e),
            var code when IsThrottled(code) =>
                new(InventoryFailure.Throttled, $"AWS kept throttling {what} after several retries.", e),
            _ when (int)s.StatusCode >= 500 =>
                new(InventoryFailure.Unavailable, $"AWS had an internal error during {what} ({s.ErrorCode}).", e),
            _ => new(InventoryFailure.Unavailable, $"AWS refused {what}: {s.ErrorCode ?? $"HTTP {(int)s.StatusCode}"}.", e),
        },
        _ when IsNetworkError(e) =>
            new(InventoryFailure.Unavailable, $"Could not reach AWS for {what} (network error).", e),
        // The SDK's own complaints (no region, bad endpoint setting, ...) say what is wrong; they carry no secrets.
        AmazonClientException c =>
            new(InventoryFailure.Unavailable, $"The AWS client could not make {what}: {c.Message}", e),
        TimeoutException or TaskCanceledException or OperationCanceledException =>
            new(InventoryFailure.Unavailable, $"AWS did not answer {what} in time.", e),
        _ => new(InventoryFailure.Unavailable, $"{what} failed unexpectedly ({e.GetType().Name}).", e),
    };

    /// <summary>
    /// An EC2 action's failure. <paramref name="iamAction"/> is the permission the call needs (ec2:StopInstances, ...);
    /// <paramref name="what"/> says what was attempted ("stop instance i-0abc"). AWS's own message is passed on only where it
    /// explains a refusal or a state (it names parameters and instances, never a secret); an authorization failure's is not
    /// (its encoded context is for an administrator's sts:DecodeAuthorizationMessage, not for the user).
    /// </summary>
    public static InstanceActionException TranslateAction(Exception e, string iamAction, string what) => e switch
    {
        InstanceActionException already => already,
        AmazonUnmarshallingException =>
            new(ActionFailure.Unavailable, $"Could not {what}: AWS answered with a response CostPilot could not read.", e),
        AmazonServiceException s => s.ErrorCode switch
        {
            "InsufficientInstanceCapacity" or "InsufficientHostCapacity" =>
                new(ActionFailure.InsufficientCapacity, $"Could not {what}: AWS has no capacity for the instance type in its Availability Zone right now. AWS said: {AwsMessage(s)}", e),
            "IncorrectInstanceState" or "IncorrectState" =>
                new(ActionFailure.IncorrectState, $"Could not {what}: the instance is not in a state that allows it. AWS said: {AwsMessage(s)}", e),
            "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed" =>
                new(ActionFailure.NotFound, $"Could not {what}: the instance does not exist in this account and region.", e),
            var code when IsDenied(code) => Denied(iamAction, what, e),
            var code when IsUnknownCredentials(code) =>
                new(ActionFailure.InvalidCredentials, $"Could not {what}: AWS does not recognise the credentials (wrong key id or secret, or the key was deleted).", e),
            var code when IsExpiredCredentials(code) =>
                new(ActionFailure.InvalidCredentials, $"Could not {what}: the AWS credentials have expired.", e),
            // Actions go to a region the instance was discovered in, so it is enabled: the credentials are what AWS refuses.
            "AuthFailure" =>
                new(ActionFailure.InvalidCredentials, $"Could not {what}: AWS could not validate the credentials in this region.", e),
            var code when IsThrottled(code) =>
                new(ActionFailure.Unavailable, $"Could not {what}: AWS kept throttling the request after several retries.", e),
            _ when (int)s.StatusCode >= 500 =>
                new(ActionFailure.Unavailable, $"Could not {what}: AWS had an internal error ({s.ErrorCode ?? $"HTTP {(int)s.StatusCode}"}).", e),
            // InvalidParameterValue, InvalidParameterCombination, Unsupported*, InvalidInstanceAttributeValue, and the other
            // refusals of the request itself (OperationNotPermitted for a stop-protected instance, VcpuLimitExceeded, ...).
            _ => new(ActionFailure.Rejected, $"AWS refused to {what}: {AwsMessage(s)}", e),
        },
        _ when IsNetworkError(e) =>
            new(ActionFailure.Unavailable, $"Could not {what}: AWS could not be reached (network error).", e),
        AmazonClientException c =>
            new(ActionFailure.Unavailable, $"Could not {what}: the AWS client could not make the request: {c.Message}", e),
        TimeoutException or TaskCanceledException or OperationCanceledException =>
            new(ActionFailure.Unavailable, $"Could not {what}: AWS did not answer in time.", e),
        _ => new(ActionFailure.Unavailable, $"Could not {what}: the call failed unexpectedly ({e.GetType().Name}).", e),
    };

    /// <summary>An action the account's AWS identity may not take, and how to allow it for each way of connecting an account.</summary>
    public static InstanceActionException Denied(string iamAction, string what, Exception? inner = null)
    {
        var stack = CloudFormationTemplate.OptimizeActions.Contains(iamAction)
            ? $"update the {CloudFormationTemplate.StackName} stack with the parameter EnableOptimization=true"
            : $"update the {CloudFormationTemplate.StackName} stack to CostPilot's current template";
        return new(ActionFailure.Denied,
            $"CostPilot may not {what}: AWS denied {iamAction}. For an account connected with the CloudFormation role, {stack}; " +
            $"for access keys, add {iamAction} to the keys' IAM policy.", inner);
    }

    private static bool IsUnknownCredentials(string? code) =>
        code is "InvalidClientTokenId" or "SignatureDoesNotMatch" or "IncompleteSignature" or "InvalidAccessKeyId";

    private static bool IsExpiredCredentials(string? code) => code is "ExpiredToken" or "ExpiredTokenException" or "RequestExpired";

    private static bool IsDenied(string? code) =>
        code is "UnauthorizedOperation" or "UnauthorizedAccess" || code?.StartsWith("AccessDenied", StringComparison.Ordinal) == true;

    private static bool IsThrottled(string? code) =>
        code is "RequestLimitExceeded" or "Throttling" or "ThrottlingException" or "TooManyRequestsException";

    private static bool IsNetworkError(Exception e) =>
        e is HttpRequestException or IOException or AmazonClientException { InnerException: HttpRequestException or IOException };

    private static string AwsMessage(AmazonServiceException s) =>
        string.IsNullOrWhiteSpace(s.Message) ? s.ErrorCode ?? $"HTTP {(int)s.StatusCode}" : s.Message.Trim();
}
