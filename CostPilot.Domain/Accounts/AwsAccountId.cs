using System.Diagnostics.CodeAnalysis;

namespace CostPilot.Domain.Accounts;

/// <summary>A 12-digit AWS account id.</summary>
public readonly record struct AwsAccountId
{
    private AwsAccountId(string value) => Value = value;

    public string Value { get; }

    public static AwsAccountId Parse(string? text) =>
        TryParse(text, out var id) ? id : throw new FormatException("An AWS account id is exactly 12 digits.");

    public static bool TryParse(string? text, [NotNullWhen(true)] out AwsAccountId id)
    {
        var trimmed = text?.Trim().Replace("-", "", StringComparison.Ordinal);
        if (trimmed is { Length: 12 } && trimmed.All(char.IsAsciiDigit))
        {
            id = new AwsAccountId(trimmed);
            return true;
        }
        id = default;
        return false;
    }

    public override string ToString() => Value;
}
