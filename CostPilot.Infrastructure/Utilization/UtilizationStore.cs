using CostPilot.Domain.Utilization;
using Npgsql;
using NpgsqlTypes;

namespace CostPilot.Infrastructure.Utilization;

/// <summary>
/// Writes collected series: each batch replaces its instances' rows in one transaction (binary COPY), so a resumed run
/// writes exactly what a clean one would; a region read completely then drops the rows of instances it no longer runs.
/// </summary>
public sealed class UtilizationStore(NpgsqlDataSource dataSource)
{
    public async Task SaveAsync(Guid accountId, string region, IReadOnlyList<UtilizationSeries> batch, DateTimeOffset collectedAt,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var delete = new NpgsqlCommand(
            "DELETE FROM instance_utilization WHERE account_id = @account AND region = @region AND instance_id = ANY(@ids)", connection, transaction))
        {
            delete.Parameters.AddWithValue("account", accountId);
            delete.Parameters.AddWithValue("region", region);
            delete.Parameters.AddWithValue("ids", batch.Select(s => s.InstanceId).ToArray());
            await delete.ExecuteNonQueryAsync(ct);
        }
        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY instance_utilization (account_id, region, instance_id, window_start, cpu_average, cpu_maximum, network_in, network_out,
                                       hourly_points, cpu_p95, cpu_max, network_bytes_per_day, collected_at) FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var series in batch)
            {
                var row = new InstanceUtilization(accountId, region, series, collectedAt);
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(accountId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(region, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.InstanceId, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.WindowStart, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(row.CpuAverage, NpgsqlDbType.Array | NpgsqlDbType.Real, ct);
                await copy.WriteAsync(row.CpuMaximum, NpgsqlDbType.Array | NpgsqlDbType.Real, ct);
                await copy.WriteAsync(row.NetworkIn, NpgsqlDbType.Array | NpgsqlDbType.Real, ct);
                await copy.WriteAsync(row.NetworkOut, NpgsqlDbType.Array | NpgsqlDbType.Real, ct);
                await copy.WriteAsync(row.HourlyPoints, NpgsqlDbType.Integer, ct);
                await WriteNullableAsync(copy, row.CpuP95, ct);
                await WriteNullableAsync(copy, row.CpuMax, ct);
                await WriteNullableAsync(copy, row.NetworkBytesPerDay, ct);
                await copy.WriteAsync(collectedAt, NpgsqlDbType.TimestampTz, ct);
            }
            await copy.CompleteAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// After a run: rows written before <paramref name="runStartedAt"/> are of instances the run did not ask for (stopped, gone),
    /// except in <paramref name="keptRegions"/> (regions that could not be read this time keep their last data).
    /// </summary>
    public async Task PruneAsync(Guid accountId, DateTimeOffset runStartedAt, IReadOnlyCollection<string> keptRegions, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            DELETE FROM instance_utilization
            WHERE account_id = @account AND collected_at < @started AND NOT (region = ANY(@kept))
            """);
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("started", runStartedAt);
        command.Parameters.AddWithValue("kept", keptRegions.ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, double? value, CancellationToken ct)
    {
        if (value is { } v)
        {
            await copy.WriteAsync(v, NpgsqlDbType.Double, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }
}
