using System.Text.RegularExpressions;
using CostPilot.Domain.Accounts;

namespace CostPilot.Infrastructure.Accounts;

/// <summary>Format checks for what a user pastes in, with messages that say what is wrong.</summary>
public static partial class AccountInput
{
    public static bool IsAccessKeyId(string? value) => value is not null && AccessKeyIdPattern().IsMatch(value);

    public static bool IsSecretAccessKey(string? value) => value is { Length: 40 } && SecretPattern().IsMatch(value);

    /// <summary>Returns the account id in a role ARN, or an error message.</summary>
    public static (AwsAccountId? AccountId, string? Error) ParseRoleArn(string? arn)
    {
        if (string.IsNullOrWhiteSpace(arn))
        {
            return (null, "Paste the role ARN from the stack's Outputs tab.");
        }
        var match = RoleArnPattern().Match(arn.Trim());
        if (!match.Success)
        {
            return (null, "That is not an IAM role ARN. It looks like arn:aws:iam::123456789012:role/CostPilotReadOnly.");
        }
        return (AwsAccountId.Parse(match.Groups[1].Value), null);
    }

    [GeneratedRegex("^(AKIA|ASIA)[A-Z0-9]{16}$")]
    private static partial Regex AccessKeyIdPattern();

    [GeneratedRegex("^[A-Za-z0-9/+=]{40}$")]
    private static partial Regex SecretPattern();

    [GeneratedRegex(@"^arn:aws(?:-cn|-us-gov)?:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")]
    private static partial Regex RoleArnPattern();
}
