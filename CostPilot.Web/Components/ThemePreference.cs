namespace CostPilot.Web.Components;

/// <summary>Light or dark mode, remembered in a cookie so even the first, server-rendered paint is right.</summary>
public static class ThemePreference
{
    public const string CookieName = "costpilot-theme";
    public const string CascadeName = "DarkMode";

    public static bool IsDark(string? cookieValue) => string.Equals(cookieValue, "dark", StringComparison.Ordinal);
}
