namespace CostPilot.Infrastructure.Persistence;

/// <summary>Patterns for PostgreSQL LIKE/ILIKE built from user text: its %, _ and \ match themselves.</summary>
public static class Like
{
    public const string Escape = "\\";

    public static string EscapeText(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    /// <summary>"contains this text", trimmed.</summary>
    public static string Contains(string text) => $"%{EscapeText(text.Trim())}%";
}
