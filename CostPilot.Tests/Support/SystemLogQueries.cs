using Npgsql;

namespace CostPilot.Tests.Support;

/// <summary>Raw reads of <c>system_logs</c>, for checks EF cannot express (a whole row as text).</summary>
public static class SystemLogQueries
{
    /// <summary>How many rows contain <paramref name="text"/> in any column (the row cast to text).</summary>
    public static async Task<long> CountRowsContainingAsync(string connectionString, string text)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM system_logs t WHERE strpos(t::text, @text) > 0", connection);
        command.Parameters.AddWithValue("text", text);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<long> CountAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM system_logs", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
