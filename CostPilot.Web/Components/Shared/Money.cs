using System.Globalization;

namespace CostPilot.Web.Components.Shared;

/// <summary>
/// How the UI writes money: US dollars in en-US style ("$1,234.56", "$0.0104/h") whatever the server's or the thread's culture.
/// Each figure is formatted once from its stored value (already to the cent), so a total shown equals the sum of its parts shown.
/// An unknown price reads "price unknown", never $0.00.
/// </summary>
public static class Money
{
    public const string Unknown = "price unknown";

    // The invariant culture groups by three with "," and uses "." for decimals, as en-US does, and never changes with the OS.
    private static readonly CultureInfo Format = CultureInfo.InvariantCulture;

    /// <summary>A monthly figure: "$1,234.56".</summary>
    public static string Usd(decimal amount) =>
        (amount < 0 ? "-$" : "$") + Math.Abs(amount).ToString("#,##0.00", Format);

    /// <summary>A monthly figure or, when it is unknown, "price unknown".</summary>
    public static string Usd(decimal? amount) => amount is { } a ? Usd(a) : Unknown;

    /// <summary>An hourly price with two to four decimals: "$0.0104/h", "$1.50/h"; unknown: "price unknown".</summary>
    public static string Hourly(decimal? amount) =>
        amount is { } a ? (a < 0 ? "-$" : "$") + Math.Abs(a).ToString("#,##0.00##", Format) + "/h" : Unknown;

    /// <summary>A chart axis label: whole dollars, "$1,235".</summary>
    public static string Axis(double amount) => "$" + Math.Round(amount).ToString("#,##0", Format);
}
