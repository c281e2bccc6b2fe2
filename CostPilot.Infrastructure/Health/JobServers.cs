using System.Globalization;

namespace CostPilot.Infrastructure.Health;

/// <summary>How job servers and their silences are named to people: in health details and on the System page.</summary>
public static class JobServers
{
    /// <summary>Hangfire names servers "host:pid:guid"; the host and process are what an admin recognises.</summary>
    public static string ShortName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split(':');
        return parts.Length >= 3 && Guid.TryParse(parts[^1], out _) ? string.Join(':', parts[..^1]) : name;
    }

    /// <summary>"45 s ago", "3 min ago", "2 h 5 min ago", "3 d 4 h ago"; a moment in the future (clock skew) is "0 s ago".</summary>
    public static string Ago(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }
        var text = age switch
        {
            { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds} s",
            { TotalHours: < 1 } => $"{(int)age.TotalMinutes} min",
            { TotalDays: < 1 } => age.Minutes == 0 ? $"{(int)age.TotalHours} h" : $"{(int)age.TotalHours} h {age.Minutes} min",
            _ => age.Hours == 0 ? $"{(int)age.TotalDays} d" : $"{(int)age.TotalDays} d {age.Hours} h",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{text} ago");
    }
}
