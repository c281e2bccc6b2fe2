using Microsoft.JSInterop;

namespace CostPilot.Web.Components.Shared;

/// <summary>
/// The browser's time zone, asked once per circuit. The server's own zone means nothing to a user (the container runs in UTC),
/// so times are shown in the browser's; until it answers (or if it cannot), in UTC, labelled as such.
/// </summary>
public sealed class BrowserTimeZone(IJSRuntime js)
{
    private Task<TimeZoneInfo?>? _zone;

    /// <summary>The zone once known; null before (or when the browser gave none we know).</summary>
    public TimeZoneInfo? Known { get; private set; }

    /// <summary>Asks the browser (once). Call after the first render: JavaScript is not there while prerendering.</summary>
    public Task<TimeZoneInfo?> GetAsync() => _zone ??= AskAsync();

    private async Task<TimeZoneInfo?> AskAsync()
    {
        try
        {
            var id = await js.InvokeAsync<string?>("costpilot.timeZone");
            Known = id is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;
        }
        catch (Exception e) when (e is JSException or JSDisconnectedException or InvalidOperationException or TaskCanceledException)
        {
            // Prerendering, a closed tab or a browser without Intl: UTC it is.
            _zone = null;
            Known = null;
        }
        return Known;
    }

    /// <summary>"2026-11-30 14:02" in the browser's zone, or "2026-11-30 14:02 UTC" while it is unknown.</summary>
    public string Format(DateTimeOffset at, string format = "yyyy-MM-dd HH:mm") =>
        Known is { } zone
            ? TimeZoneInfo.ConvertTime(at, zone).ToString(format, System.Globalization.CultureInfo.InvariantCulture)
            : at.UtcDateTime.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + " UTC";
}
