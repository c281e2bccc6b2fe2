using System.Xml;
using CostPilot.Domain.Inventory;

namespace CostPilot.Infrastructure.Aws.CloudWatch;

internal static class CloudWatchXml
{
    /// <summary>AWS answers carry no DTD, comments or processing instructions worth reading; never resolve anything.</summary>
    public static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
    };
}

/// <summary>An error answer of the Query protocol: <c>ErrorResponse/Error/{Type,Code,Message}</c> and <c>RequestId</c>.</summary>
internal sealed record CloudWatchError(int Status, string? Code, string? Message, string? RequestId)
{
    // The codes AWS SDKs treat as throttling (AWSSDK.Core's standard retry policy, botocore's retry config).
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "RequestThrottled", "ProvisionedThroughputExceededException", "SlowDown", "BandwidthLimitExceeded",
        "PriorRequestNotComplete", "EC2ThrottledException", "LimitExceededException",
    };

    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "InternalServiceError", "InternalServiceFault", "InternalFailure", "InternalError", "ServiceUnavailable",
        "RequestTimeout", "RequestTimeoutException",
    };

    public bool IsThrottling => Status == 429 || (Code is not null && ThrottlingCodes.Contains(Code));

    /// <summary>Worth another attempt: throttled, or a server-side fault.</summary>
    public bool IsRetryable => IsThrottling || Status >= 500 || (Code is not null && TransientCodes.Contains(Code));

    /// <summary>Reads the error body; a body that is not an AWS error leaves Code and Message null.</summary>
    public static CloudWatchError Read(int status, Stream body)
    {
        string? code = null;
        string? message = null;
        string? requestId = null;
        try
        {
            using var reader = XmlReader.Create(body, CloudWatchXml.Settings);
            reader.MoveToContent();
            while (!reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName is "Code" or "Message" or "RequestId")
                {
                    var name = reader.LocalName;
                    var text = reader.ReadElementContentAsString().Trim();
                    code ??= name == "Code" ? text : null;
                    message ??= name == "Message" ? text : null;
                    requestId ??= name == "RequestId" ? text : null;
                    continue;
                }
                reader.Read();
            }
        }
        catch (XmlException)
        {
            // Not XML (a proxy's HTML page, an empty body): the status speaks alone.
        }
        return new CloudWatchError(status, string.IsNullOrEmpty(code) ? null : code, message, requestId);
    }
}

/// <summary>
/// CloudWatch failures as <see cref="InventoryException"/>s a user can act on, like <see cref="AwsErrors"/> does for the SDK's.
/// Messages name the action and region, never a credential.
/// </summary>
internal static class CloudWatchErrors
{
    public const string Action = "cloudwatch:GetMetricData";

    private const int MaxDetail = 300;

    public static InventoryException Translate(CloudWatchError error, string region, int attempts) => error.Code switch
    {
        "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation" or "UnauthorizedAccess" => AccessDenied(region),
        "InvalidClientTokenId" or "SignatureDoesNotMatch" or "IncompleteSignature" or "InvalidAccessKeyId" or "MissingAuthenticationToken"
            or "MissingAuthenticationTokenException" or "UnrecognizedClientException" or "InvalidSignatureException" or "AuthFailure" =>
            new(InventoryFailure.InvalidCredentials,
                $"AWS does not recognise these credentials for {Action} in {region} (wrong key id or secret, the key was deleted, or the region is not enabled for the account)."),
        "ExpiredToken" or "ExpiredTokenException" or "RequestExpired" =>
            new(InventoryFailure.InvalidCredentials, $"The AWS credentials had expired when CostPilot called {Action} in {region}."),
        _ when error.IsThrottling =>
            new(InventoryFailure.Throttled, $"CloudWatch kept throttling {Action} in {region} after {attempts} attempts; try again later."),
        _ when error.Status >= 500 =>
            new(InventoryFailure.Unavailable, $"CloudWatch had an internal error during {Action} in {region} ({error.Code ?? $"HTTP {error.Status}"}, {attempts} attempts)."),
        _ => new(InventoryFailure.Unavailable, $"CloudWatch refused {Action} in {region}: {error.Code ?? $"HTTP {error.Status}"}{Detail(error.Message)}"),
    };

    public static InventoryException AccessDenied(string region, string? what = null) => new(InventoryFailure.AccessDenied,
        $"Access denied for {Action} in {region}{(what is null ? "" : $" ({what})")}: the IAM role or user CostPilot uses needs the {Action} permission. " +
        "CostPilot's CloudFormation template grants it: update the stack with the current template, or add the action to the policy.");

    public static InventoryException Network(Exception e, string region, int attempts) =>
        new(InventoryFailure.Unavailable, $"Could not reach CloudWatch for {Action} in {region} (network error, {attempts} attempts).", e);

    public static InventoryException Timeout(Exception e, string region, TimeSpan timeout, int attempts) =>
        new(InventoryFailure.Unavailable, $"CloudWatch did not answer {Action} in {region} within {timeout.TotalSeconds:0.#} s ({attempts} attempts).", e);

    public static InventoryException CircuitOpen(Exception e, string region) =>
        new(InventoryFailure.Unavailable, $"CloudWatch in {region} failed most recent calls, so CostPilot pauses {Action} there for a moment; try again shortly.", e);

    public static InventoryException Unreadable(Exception e, string region) =>
        new(InventoryFailure.InvalidAnswer, $"CloudWatch answered {Action} in {region} with a response CostPilot could not read: {Clip(e.Message)}", e);

    public static InventoryException Incomplete(string region, string problem) =>
        new(InventoryFailure.InvalidAnswer, $"CloudWatch's answer to {Action} in {region} is incomplete: {problem}");

    private static string Detail(string? message) => string.IsNullOrWhiteSpace(message) ? "." : $" ({Clip(message)}).";

    private static string Clip(string text) => text.Length <= MaxDetail ? text : text[..(MaxDetail - 1)] + "…";
}
