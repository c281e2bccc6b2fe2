using System.Globalization;

namespace CostPilot.Domain.Recommendations;

/// <summary>
/// How recommendation sentences write numbers, whatever the thread's culture: money in en-US style ("$1,234.56", the way the
/// UI writes it), percentages and traffic rounded so that they still sit on the same side of the thresholds the sentence
/// relies on (a maximum CPU of 4.99 % reads "4.99 %", not "5 %", next to an idle threshold of 5 %).
/// </summary>
internal static class RecommendationText
{
    public const string PriceUnknown = "price unknown";

    // The invariant culture groups by three with "," and uses "." for decimals, as en-US does, and never changes with the OS.
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private const int MaxDecimals = 3;

    /// <summary>A monthly figure already in cents: "$1,234.56".</summary>
    public static string Usd(decimal amount) => (amount < 0 ? "-$" : "$") + Math.Abs(amount).ToString("#,##0.00", Invariant);

    /// <summary>"12 %", "4.2 %" (one decimal below 10, "1.0 %"), with more decimals only where rounding would cross a threshold.</summary>
    public static string Percent(double value, params ReadOnlySpan<double> thresholds) => Number(value, thresholds) + " %";

    /// <summary>Bytes per day in decimal megabytes: "1.2 MB/day".</summary>
    public static string MegabytesPerDay(double bytesPerDay, double thresholdBytesPerDay) =>
        Number(bytesPerDay / 1_000_000, [thresholdBytesPerDay / 1_000_000]) + " MB/day";

    /// <summary>A whole number with thousands separators: "3,000".</summary>
    public static string Count(int value) => value.ToString("#,##0", Invariant);

    private static string Number(double value, ReadOnlySpan<double> thresholds)
    {
        var decimals = Math.Abs(value) < 10 ? 1 : 0;
        var shown = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        while (Crossed(shown, value, thresholds) is { } threshold)
        {
            if (decimals == MaxDecimals)
            {
                // Still on the threshold after rounding (4.99999 next to 5): cut the digits off towards the value's side.
                var scale = Math.Pow(10, decimals);
                shown = value < threshold ? Math.Floor(value * scale) / scale : Math.Ceiling(value * scale) / scale;
                break;
            }
            decimals++;
            shown = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        }
        return shown.ToString("F" + decimals.ToString(Invariant), Invariant);
    }

    /// <summary>The first threshold that <paramref name="shown"/> sits on or beyond while <paramref name="value"/> does not.</summary>
    private static double? Crossed(double shown, double value, ReadOnlySpan<double> thresholds)
    {
        foreach (var threshold in thresholds)
        {
            if (shown.CompareTo(threshold) != value.CompareTo(threshold))
            {
                return threshold;
            }
        }
        return null;
    }
}
