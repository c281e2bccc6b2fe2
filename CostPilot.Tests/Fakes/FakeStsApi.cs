using System.Globalization;
using System.Text.RegularExpressions;

namespace CostPilot.Tests.Fakes;

/// <summary>An authenticated request to one of the fake's APIs.</summary>
internal sealed record AwsCall(string Action, string Region, AwsParameters Parameters, FakeCaller Caller, string RequestId);

/// <summary>One AWS service of the fake: its actions and how it words errors.</summary>
internal interface IFakeAwsApi
{
    AwsError AuthError(AuthProblem problem);

    AwsError FaultError(FakeFault fault);

    AwsReply Handle(AwsCall call);

    AwsReply Render(AwsError error, string requestId);
}

/// <summary>
/// STS over the AWS Query protocol (form POST, XML answer in https://sts.amazonaws.com/doc/2011-06-15/),
/// which is what AWSSDK.SecurityToken 4.0.101 speaks.
/// </summary>
internal sealed partial class FakeStsApi(FakeIdentities identities, TimeProvider clock) : IFakeAwsApi
{
    public const string Namespace = "https://sts.amazonaws.com/doc/2011-06-15/";

    private const int DefaultMaxSessionSeconds = 3600;

    public static bool IsStsAction(string action) => action is "GetCallerIdentity" or "AssumeRole";

    public AwsError AuthError(AuthProblem problem) => problem switch
    {
        AuthProblem.Missing => new(403, "MissingAuthenticationToken", "Request is missing Authentication Token"),
        AuthProblem.Malformed => new(400, "IncompleteSignature", "The request signature does not conform to AWS standards."),
        AuthProblem.BadSignature => new(403, "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."),
        AuthProblem.Expired => new(400, "ExpiredToken", "The security token included in the request is expired"),
        _ => new(403, "InvalidClientTokenId", "The security token included in the request is invalid."),
    };

    public AwsError FaultError(FakeFault fault) => fault switch
    {
        FakeFault.Throttle => new(400, "Throttling", "Rate exceeded"),
        FakeFault.Unauthorized => new(403, "AccessDenied", "User is not authorized to perform this action."),
        FakeFault.AuthFailure => AuthError(AuthProblem.UnknownKey),
        _ => new(500, "InternalFailure", "An internal error occurred.", Sender: false),
    };

    public AwsReply Handle(AwsCall call) => call.Action switch
    {
        "GetCallerIdentity" => GetCallerIdentity(call),
        "AssumeRole" => AssumeRole(call),
        _ => throw new AwsErrorException(new AwsError(400, "InvalidAction", $"Could not find operation {call.Action} for version 2011-06-15")),
    };

    public AwsReply Render(AwsError error, string requestId)
    {
        using var xml = new AwsXml("ErrorResponse", Namespace);
        xml.Start("Error")
            .Leaf("Type", error.Sender ? "Sender" : "Receiver")
            .Leaf("Code", error.Code)
            .Leaf("Message", error.Message)
            .End()
            .Leaf("RequestId", requestId);
        return new AwsReply(error.Status, xml.ToArray(), error.Code);
    }

    private static AwsReply GetCallerIdentity(AwsCall call)
    {
        using var xml = new AwsXml("GetCallerIdentityResponse", Namespace);
        xml.Start("GetCallerIdentityResult")
            .Leaf("Arn", call.Caller.Arn)
            .Leaf("UserId", call.Caller.UserId)
            .Leaf("Account", call.Caller.Account.AccountId)
            .End();
        Metadata(xml, call.RequestId);
        return new AwsReply(200, xml.ToArray());
    }

    private AwsReply AssumeRole(AwsCall call)
    {
        var p = call.Parameters;
        var roleArn = p["RoleArn"] ?? throw Validation("Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
        var sessionName = p["RoleSessionName"] ?? throw Validation("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
        if (!SessionNamePattern().IsMatch(sessionName))
        {
            throw Validation($"Value '{sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*");
        }

        var externalId = p["ExternalId"];
        if (externalId is not null && !ExternalIdPattern().IsMatch(externalId))
        {
            throw Validation($"Value '{externalId}' at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:\\/-]*");
        }

        var duration = p.Int("DurationSeconds") ?? DefaultMaxSessionSeconds;
        if (duration is < 900 or > 43200)
        {
            throw Validation($"Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200");
        }

        if (duration > DefaultMaxSessionSeconds)
        {
            throw Validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        }

        var match = RoleArnPattern().Match(roleArn);
        if (!match.Success)
        {
            throw Validation($"{roleArn} is invalid");
        }

        var account = identities.FindAccount(match.Groups["account"].Value);
        var roleName = match.Groups["path"].Value.Split('/')[^1];
        var role = account?.FindRole(roleName);
        if (account is null || role is null || !role.Accepts(externalId))
        {
            throw new AwsErrorException(new AwsError(403, "AccessDenied",
                $"User: {call.Caller.Arn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}"));
        }

        var session = identities.CreateSession(account, role.Name, sessionName, TimeSpan.FromSeconds(duration), clock.GetUtcNow());
        using var xml = new AwsXml("AssumeRoleResponse", Namespace);
        xml.Start("AssumeRoleResult")
            .Start("AssumedRoleUser")
            .Leaf("AssumedRoleId", session.AssumedRoleId)
            .Leaf("Arn", session.Arn)
            .End()
            .Start("Credentials")
            .Leaf("AccessKeyId", session.AccessKeyId)
            .Leaf("SecretAccessKey", session.Secret)
            .Leaf("SessionToken", session.Token)
            .Leaf("Expiration", session.Expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
            .End()
            .End();
        Metadata(xml, call.RequestId);
        return new AwsReply(200, xml.ToArray());
    }

    private static void Metadata(AwsXml xml, string requestId) =>
        xml.Start("ResponseMetadata").Leaf("RequestId", requestId).End();

    private static AwsErrorException Validation(string message) =>
        new(new AwsError(400, "ValidationError", message));

    [GeneratedRegex(@"^[\w+=,.@-]{2,64}$")]
    private static partial Regex SessionNamePattern();

    [GeneratedRegex(@"^[\w+=,.@:/-]{2,1224}$")]
    private static partial Regex ExternalIdPattern();

    [GeneratedRegex(@"^arn:aws:iam::(?<account>\d{12}):role/(?<path>[\w+=,.@/-]+)$")]
    private static partial Regex RoleArnPattern();
}
