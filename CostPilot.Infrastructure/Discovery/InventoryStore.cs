using System.Text.Json;
using CostPilot.Domain.Inventory;
using Npgsql;
using NpgsqlTypes;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>Bulk writes of discovered inventory: one round trip per page, whatever its size.</summary>
public sealed class InventoryStore(NpgsqlDataSource dataSource)
{
    private const string UpsertInstances = """
        INSERT INTO instances (account_id, region, instance_id, instance_type, state, availability_zone, platform, architecture,
                               launch_time, name, tags, lifecycle, first_seen_at, last_seen_at, gone_at)
        SELECT @account, @region, u.instance_id, u.instance_type, u.state, u.availability_zone, u.platform, u.architecture,
               u.launch_time, u.name, u.tags, u.lifecycle, @seen, @seen, NULL
        FROM unnest(@ids, @types, @states, @azs, @platforms, @archs, @launched, @names, @tags, @lifecycles)
             AS u(instance_id, instance_type, state, availability_zone, platform, architecture, launch_time, name, tags, lifecycle)
        ON CONFLICT (account_id, region, instance_id) DO UPDATE SET
            instance_type = EXCLUDED.instance_type, state = EXCLUDED.state, availability_zone = EXCLUDED.availability_zone,
            platform = EXCLUDED.platform, architecture = EXCLUDED.architecture, launch_time = EXCLUDED.launch_time,
            name = EXCLUDED.name, tags = EXCLUDED.tags, lifecycle = EXCLUDED.lifecycle,
            last_seen_at = EXCLUDED.last_seen_at, gone_at = NULL
        """;

    public async Task UpsertInstancesAsync(Guid accountId, string region, IReadOnlyList<DiscoveredInstance> page, DateTimeOffset seenAt, CancellationToken ct)
    {
        if (page.Count == 0)
        {
            return;
        }
        await using var command = dataSource.CreateCommand(UpsertInstances);
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("region", region);
        command.Parameters.AddWithValue("seen", seenAt);
        command.Parameters.AddWithValue("ids", page.Select(i => i.InstanceId).ToArray());
        command.Parameters.AddWithValue("types", page.Select(i => i.InstanceType).ToArray());
        command.Parameters.AddWithValue("states", page.Select(i => i.State).ToArray());
        command.Parameters.Add(new NpgsqlParameter("azs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = page.Select(i => (object?)i.AvailabilityZone ?? DBNull.Value).ToArray() });
        command.Parameters.AddWithValue("platforms", page.Select(i => i.Platform).ToArray());
        command.Parameters.AddWithValue("archs", page.Select(i => i.Architecture).ToArray());
        command.Parameters.Add(new NpgsqlParameter("launched", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = page.Select(i => i.LaunchTime is { } t ? (object)t.UtcDateTime : DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = page.Select(i => (object?)Clip(i.Name, 256) ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = page.Select(i => JsonSerializer.Serialize(i.Tags)).ToArray() });
        command.Parameters.AddWithValue("lifecycles", page.Select(i => i.Lifecycle).ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>After a complete scan of a region: instances not seen in it are gone (kept for history).</summary>
    public async Task<int> MarkGoneAsync(Guid accountId, string region, DateTimeOffset scanStartedAt, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE instances SET gone_at = @now WHERE account_id = @account AND region = @region AND gone_at IS NULL AND last_seen_at < @started");
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("region", region);
        command.Parameters.AddWithValue("started", scanStartedAt);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Replaces a region's volumes and addresses with what the scan found, in one transaction.</summary>
    public async Task ReplaceVolumesAndAddressesAsync(
        Guid accountId, string region, IReadOnlyList<DiscoveredVolume> volumes, IReadOnlyList<DiscoveredAddress> addresses, DateTimeOffset seenAt, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var delete = new NpgsqlCommand(
            "DELETE FROM volumes WHERE account_id = @account AND region = @region; DELETE FROM addresses WHERE account_id = @account AND region = @region", connection, tx))
        {
            delete.Parameters.AddWithValue("account", accountId);
            delete.Parameters.AddWithValue("region", region);
            await delete.ExecuteNonQueryAsync(ct);
        }
        if (volumes.Count > 0)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO volumes (account_id, region, volume_id, size_gib, volume_type, iops, throughput_mibps, state, availability_zone, attached_instance_id, tags, last_seen_at)
                SELECT @account, @region, u.* , @seen FROM unnest(@ids, @sizes, @types, @iops, @throughput, @states, @azs, @attached, @tags)
                     AS u(volume_id, size_gib, volume_type, iops, throughput, state, availability_zone, attached_instance_id, tags)
                ON CONFLICT (account_id, region, volume_id) DO NOTHING
                """, connection, tx);
            insert.Parameters.AddWithValue("account", accountId);
            insert.Parameters.AddWithValue("region", region);
            insert.Parameters.AddWithValue("seen", seenAt);
            insert.Parameters.AddWithValue("ids", volumes.Select(v => v.VolumeId).ToArray());
            insert.Parameters.AddWithValue("sizes", volumes.Select(v => v.SizeGiB).ToArray());
            insert.Parameters.AddWithValue("types", volumes.Select(v => v.VolumeType).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("iops", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = volumes.Select(v => (object?)v.Iops ?? DBNull.Value).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("throughput", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = volumes.Select(v => (object?)v.ThroughputMiBps ?? DBNull.Value).ToArray() });
            insert.Parameters.AddWithValue("states", volumes.Select(v => v.State).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("azs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = volumes.Select(v => (object?)v.AvailabilityZone ?? DBNull.Value).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("attached", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = volumes.Select(v => (object?)v.AttachedInstanceId ?? DBNull.Value).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = volumes.Select(v => JsonSerializer.Serialize(v.Tags)).ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
        }
        if (addresses.Count > 0)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO addresses (account_id, region, allocation_id, public_ip, instance_id, association_id, domain, tags, last_seen_at)
                SELECT @account, @region, u.*, @seen FROM unnest(@ids, @ips, @instances, @associations, @domains, @tags)
                     AS u(allocation_id, public_ip, instance_id, association_id, domain, tags)
                ON CONFLICT (account_id, region, allocation_id) DO NOTHING
                """, connection, tx);
            insert.Parameters.AddWithValue("account", accountId);
            insert.Parameters.AddWithValue("region", region);
            insert.Parameters.AddWithValue("seen", seenAt);
            insert.Parameters.AddWithValue("ids", addresses.Select(a => a.AllocationId).ToArray());
            insert.Parameters.AddWithValue("ips", addresses.Select(a => a.PublicIp).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("instances", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = addresses.Select(a => (object?)a.InstanceId ?? DBNull.Value).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("associations", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = addresses.Select(a => (object?)a.AssociationId ?? DBNull.Value).ToArray() });
            insert.Parameters.AddWithValue("domains", addresses.Select(a => a.Domain).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = addresses.Select(a => JsonSerializer.Serialize(a.Tags)).ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    private static string? Clip(string? text, int max) => text is { Length: > 0 } t && t.Length > max ? t[..max] : text;
}
