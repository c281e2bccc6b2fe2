using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using CostPilot.Domain.Inventory;
using Npgsql;
using NpgsqlTypes;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>
/// Bulk writes of discovered inventory, one round trip per page. A rescan rewrites only what changed: each stored instance
/// keeps a hash of its discovered fields, and an unchanged one only gets its last-seen stamped (an update PostgreSQL keeps
/// on the same page, touching no index). After a complete region scan, one statement marks the missing as gone.
/// </summary>
public sealed class InventoryStore(NpgsqlDataSource dataSource)
{
    private const string UpsertInstances = """
        INSERT INTO instances (account_id, region, instance_id, instance_type, state, availability_zone, platform, architecture,
                               launch_time, name, tags, lifecycle, content_hash, first_seen_at, last_seen_at, gone_at)
        SELECT @account, @region, u.instance_id, u.instance_type, u.state, u.availability_zone, u.platform, u.architecture,
               u.launch_time, u.name, u.tags, u.lifecycle, u.content_hash, @seen, @seen, NULL
        FROM unnest(@ids, @types, @states, @azs, @platforms, @archs, @launched, @names, @tags, @lifecycles, @hashes)
             AS u(instance_id, instance_type, state, availability_zone, platform, architecture, launch_time, name, tags, lifecycle, content_hash)
        ON CONFLICT (account_id, region, instance_id) DO UPDATE SET
            instance_type = EXCLUDED.instance_type, state = EXCLUDED.state, availability_zone = EXCLUDED.availability_zone,
            platform = EXCLUDED.platform, architecture = EXCLUDED.architecture, launch_time = EXCLUDED.launch_time,
            name = EXCLUDED.name, tags = EXCLUDED.tags, lifecycle = EXCLUDED.lifecycle, content_hash = EXCLUDED.content_hash,
            last_seen_at = EXCLUDED.last_seen_at, gone_at = NULL
        """;

    /// <summary>What is stored for one region: instance id → content hash of the live ones (gone ones are absent).</summary>
    public async Task<Dictionary<string, Guid>> LoadLiveHashesAsync(Guid accountId, string region, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT instance_id, content_hash FROM instances WHERE account_id = @account AND region = @region AND gone_at IS NULL AND content_hash IS NOT NULL");
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("region", region);
        var hashes = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            hashes[reader.GetString(0)] = reader.GetGuid(1);
        }
        return hashes;
    }

    /// <summary>
    /// A stable 128-bit hash (XxHash128) of everything discovery stores about an instance: each text length-prefixed,
    /// tags in key order. It only tells a rescan whether to rewrite the row, so it need not be cryptographic.
    /// </summary>
    public static Guid ContentHash(DiscoveredInstance i)
    {
        var hash = new XxHash128();
        Field(hash, i.InstanceType);
        Field(hash, i.State);
        Field(hash, i.AvailabilityZone);
        Field(hash, i.Platform);
        Field(hash, i.Architecture);
        Number(hash, i.LaunchTime is { } launched ? launched.UtcTicks : -1);
        Field(hash, i.Lifecycle);
        Number(hash, i.Tags.Count);
        var keys = new string[i.Tags.Count];
        var k = 0;
        foreach (var key in i.Tags.Keys)
        {
            keys[k++] = key;
        }
        Array.Sort(keys, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            Field(hash, key);
            Field(hash, i.Tags[key]);
        }
        Span<byte> digest = stackalloc byte[16];
        hash.GetCurrentHash(digest);
        return new Guid(digest);

        static void Field(XxHash128 hash, string? value)
        {
            Number(hash, value?.Length ?? -1);
            hash.Append(MemoryMarshal.AsBytes(value.AsSpan()));
        }

        static void Number(XxHash128 hash, long value)
        {
            Span<byte> bytes = stackalloc byte[sizeof(long)];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            hash.Append(bytes);
        }
    }

    /// <summary>
    /// One round trip per page: new and changed instances (with their <see cref="ContentHash"/>) are upserted, the unchanged
    /// ones only get their last-seen stamped.
    /// </summary>
    public async Task SavePageAsync(Guid accountId, string region, IReadOnlyList<(DiscoveredInstance Instance, Guid Hash)> changed,
        IReadOnlyList<string> unchangedIds, DateTimeOffset seenAt, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        if (changed.Count > 0)
        {
            var page = changed.Select(c => c.Instance).ToList();
            var upsert = new NpgsqlBatchCommand(UpsertInstances);
            upsert.Parameters.AddWithValue("account", accountId);
            upsert.Parameters.AddWithValue("region", region);
            upsert.Parameters.AddWithValue("seen", seenAt);
            upsert.Parameters.AddWithValue("ids", page.Select(i => i.InstanceId).ToArray());
            upsert.Parameters.AddWithValue("hashes", changed.Select(c => c.Hash).ToArray());
            upsert.Parameters.AddWithValue("types", page.Select(i => i.InstanceType).ToArray());
            upsert.Parameters.AddWithValue("states", page.Select(i => i.State).ToArray());
            upsert.Parameters.Add(new NpgsqlParameter("azs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = page.Select(i => (object?)i.AvailabilityZone ?? DBNull.Value).ToArray() });
            upsert.Parameters.AddWithValue("platforms", page.Select(i => i.Platform).ToArray());
            upsert.Parameters.AddWithValue("archs", page.Select(i => i.Architecture).ToArray());
            upsert.Parameters.Add(new NpgsqlParameter("launched", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = page.Select(i => i.LaunchTime is { } t ? (object)t.UtcDateTime : DBNull.Value).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = page.Select(i => (object?)Clip(i.Name, 256) ?? DBNull.Value).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = page.Select(i => JsonSerializer.Serialize(i.Tags)).ToArray() });
            upsert.Parameters.AddWithValue("lifecycles", page.Select(i => i.Lifecycle).ToArray());
            batch.BatchCommands.Add(upsert);
        }
        if (unchangedIds.Count > 0)
        {
            // Only last_seen_at changes, which no index holds: PostgreSQL keeps the new row version on the same page.
            var touch = new NpgsqlBatchCommand(
                "UPDATE instances SET last_seen_at = @seen WHERE account_id = @account AND region = @region AND instance_id = ANY(@ids)");
            touch.Parameters.AddWithValue("seen", seenAt);
            touch.Parameters.AddWithValue("account", accountId);
            touch.Parameters.AddWithValue("region", region);
            touch.Parameters.AddWithValue("ids", unchangedIds as string[] ?? [.. unchangedIds]);
            batch.BatchCommands.Add(touch);
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>After a complete scan of a region: live instances it did not see are gone (kept for history). Returns how many.</summary>
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
