using System.Globalization;

namespace CostPilot.Domain.Inventory;

/// <summary>
/// An EC2 instance type such as "m5.large": family "m5" and size "large". The family's first number is its generation
/// ("m5" → 5, "t3a" → 3, "u7i-12tb" → 7). Any text AWS reports is kept as it is; one without a dot has no size.
/// </summary>
public readonly record struct InstanceType
{
    public InstanceType(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Value = value;
    }

    public string Value => field ?? "";

    /// <summary>The part before the dot ("m5"), or the whole text when there is no dot.</summary>
    public string Family => Value.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0 ? Value[..dot] : Value;

    /// <summary>The part after the dot ("large"); empty when there is none.</summary>
    public string Size => Value.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0 ? Value[(dot + 1)..] : "";

    /// <summary>The first number in the family ("m5" → 5, "c6gn" → 6); null when the family has none.</summary>
    public int? Generation
    {
        get
        {
            var family = Family.AsSpan();
            var start = family.IndexOfAnyInRange('0', '9');
            if (start < 0)
            {
                return null;
            }
            var digits = family[start..];
            var end = digits.IndexOfAnyExceptInRange('0', '9');
            return int.Parse(end < 0 ? digits : digits[..end], NumberStyles.None, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>What a "type or family" filter means: "m5" or "m5." is the whole family, "m5.large" that one type.</summary>
    public static bool IsFamilyFilter(string text) => text.EndsWith('.') || !text.Contains('.', StringComparison.Ordinal);

    public override string ToString() => Value;
}
