using System.Net;
using System.Text.RegularExpressions;

namespace CostPilot.Tests.Support;

/// <summary>Reads the messages a statically rendered form shows: the form-level error and field validation messages.</summary>
public static partial class PageText
{
    /// <summary>The text of the form's error alert (<c>data-testid="form-error"</c>), or null when there is none.</summary>
    public static string? FormError(string html)
    {
        var match = FormErrorAlert().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value).Trim() : null;
    }

    /// <summary>Every field validation message on the page.</summary>
    public static IReadOnlyList<string> ValidationMessages(string html) =>
        [.. ValidationMessage().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value).Trim())];

    [GeneratedRegex("data-testid=\"form-error\"[\\s\\S]*?class=\"mud-alert-message\"[^>]*>([^<]*)<")]
    private static partial Regex FormErrorAlert();

    // ValidationMessage's own class gives way to the page's (cp-validation) when the page sets one.
    [GeneratedRegex("<div class=\"[^\"]*(?:validation-message|cp-validation)[^\"]*\"[^>]*>([^<]*)<")]
    private static partial Regex ValidationMessage();
}
