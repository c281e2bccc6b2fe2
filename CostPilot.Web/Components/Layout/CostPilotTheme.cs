using MudBlazor;

namespace CostPilot.Web.Components.Layout;

internal static class CostPilotTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#0f766e",
            Secondary = "#6366f1",
            AppbarBackground = "#0f172a",
            AppbarText = "#f8fafc",
            Background = "#f6f8fa",
            DrawerBackground = "#ffffff",
            Success = "#15803d",
            Warning = "#b45309",
            Error = "#b91c1c",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#2dd4bf",
            PrimaryContrastText = "#042f2e",
            Secondary = "#a5b4fc",
            SecondaryContrastText = "#1e1b4b",
            AppbarBackground = "#020617",
            Background = "#0b1120",
            Surface = "#111827",
            DrawerBackground = "#0f172a",
            Success = "#4ade80",
            Warning = "#fbbf24",
            Error = "#f87171",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px" },
    };
}
