using System.Globalization;

namespace CostPilot.Web.Components.Shared;

/// <summary>How the UI writes spans of time and moments: "43 min 12 s", "2 h 5 min", "12 s"; "2026-11-30 15:45:12 UTC".</summary>
public static class Durations
{
    /// <summary>"43 min 12 s", "2 h 5 min", "12 s" (never negative).</summary>
    public static string Text(TimeSpan span) => span switch
    {
        { TotalHours: >= 1 } => $"{(int)span.TotalHours} h {span.Minutes} min",
        { TotalMinutes: >= 1 } => $"{span.Minutes} min {span.Seconds} s",
        _ => $"{Math.Max(0, span.Seconds)} s",
    };

    /// <summary>A moment in UTC to the second: "2026-11-30 15:45:12 UTC".</summary>
    public static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
