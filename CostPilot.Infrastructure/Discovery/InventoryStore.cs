using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using Npgsql;
using NpgsqlTypes;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>
/// Bulk writes of discovered inventory, one round trip per page. A rescan writes only what changed: each stored instance
/// keeps a hash of its discovered fields, and an unchanged one is not written at all; its sighting is recorded once for
/// the whole region (<see cref="RegionScan"/>). A complete region scan ends with one batch: the stored instances it did
/// not meet are marked gone, volumes and addresses replaced, and the region's scan recorded.
/// </summary>
public sealed class InventoryStore(NpgsqlDataSource dataSource, IPriceCatalog catalog)
{
    private const string InsertInstances = """
        INSERT INTO instances (account_id, region, instance_id, instance_type, state, availability_zone, platform, architecture,
                               launch_time, state_changed_at, name, tags, lifecycle, tenancy, content_hash, hourly_usd, monthly_usd,
                               price_source, first_seen_at, last_seen_at, gone_at)
        SELECT @account, @region, u.instance_id, u.instance_type, u.state, u.availability_zone, u.platform, u.architecture,
               u.launch_time, u.state_changed_at, u.name, u.tags, u.lifecycle, u.tenancy, u.content_hash, u.hourly, u.monthly, u.source,
               @seen, @seen, NULL
        FROM unnest(@ids, @types, @states, @azs, @platforms, @archs, @launched, @changed, @names, @tags, @lifecycles, @tenancies, @hashes,
                    @hourly, @monthly, @sources)
             AS u(instance_id, instance_type, state, availability_zone, platform, architecture, launch_time, state_changed_at, name, tags,
                  lifecycle, tenancy, content_hash, hourly, monthly, source)
        """;

    private const string UpsertInstances = InsertInstances + """
        ON CONFLICT (account_id, region, instance_id) DO UPDATE SET
            instance_type = EXCLUDED.instance_type, state = EXCLUDED.state, availability_zone = EXCLUDED.availability_zone,
            platform = EXCLUDED.platform, architecture = EXCLUDED.architecture, launch_time = EXCLUDED.launch_time,
            state_changed_at = EXCLUDED.state_changed_at,
            name = EXCLUDED.name, tags = EXCLUDED.tags, lifecycle = EXCLUDED.lifecycle, tenancy = EXCLUDED.tenancy, content_hash = EXCLUDED.content_hash,
            hourly_usd = EXCLUDED.hourly_usd, monthly_usd = EXCLUDED.monthly_usd, price_source = EXCLUDED.price_source,
            last_seen_at = EXCLUDED.last_seen_at, gone_at = NULL
        """;

    [ThreadStatic]
    private static XxHash128? _hasher;

    [ThreadStatic]
    private static string[]? _keys;

    /// <summary>
    /// What is stored for one region: instance id → content hash of the live ones (gone ones are absent; a row stored before
    /// hashes existed has none, so it counts as changed), and the instance types of its running spot instances (whose spot
    /// prices a rescan will need).
    /// </summary>
    public async Task<StoredRegion> LoadLiveHashesAsync(Guid accountId, string region, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT instance_id, content_hash, CASE WHEN lifecycle = 'spot' AND state = 'running' THEN instance_type END
            FROM instances WHERE account_id = @account AND region = @region AND gone_at IS NULL
            """);
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("region", region);
        var stored = new StoredRegion(new Dictionary<string, Guid?>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            stored.Hashes[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetGuid(1);
            if (!reader.IsDBNull(2))
            {
                stored.RunningSpotTypes.Add(reader.GetString(2));
            }
        }
        return stored;
    }

    /// <summary>
    /// A stable 128-bit hash (XxHash128) of everything discovery stores about an instance: each text length-prefixed,
    /// tags in key order. It only tells a rescan whether to rewrite the row, so it need not be cryptographic.
    /// </summary>
    public static Guid ContentHash(DiscoveredInstance i)
    {
        // Synchronous, so a hasher and a key buffer per thread are safe to reuse: a rescan hashes every instance it meets.
        var hash = _hasher ??= new XxHash128();
        hash.Reset();
        Field(hash, i.InstanceType);
        Field(hash, i.State);
        Field(hash, i.AvailabilityZone);
        Field(hash, i.Platform);
        Field(hash, i.Architecture);
        Number(hash, i.LaunchTime is { } launched ? launched.UtcTicks : -1);
        Field(hash, i.Lifecycle);
        Field(hash, i.Tenancy);
        Number(hash, i.StateChangedAt is { } changedAt ? changedAt.UtcTicks : -1);
        var count = i.Tags.Count;
        Number(hash, count);
        if (count > 0)
        {
            var keys = _keys is { } buffer && buffer.Length >= count ? buffer : _keys = new string[Math.Max(count, 16)];
            var k = 0;
            foreach (var key in i.Tags.Keys)
            {
                keys[k++] = key;
            }
            Array.Sort(keys, 0, count, StringComparer.Ordinal);
            for (k = 0; k < count; k++)
            {
                Field(hash, keys[k]);
                Field(hash, i.Tags[keys[k]]);
            }
            Array.Clear(keys, 0, count);
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
    /// One round trip: instances not stored as live are inserted, changed ones upserted (each with its
    /// <see cref="ContentHash"/>). A plain insert costs PostgreSQL about a third less than an upsert, and a first scan inserts
    /// everything; should one of the "new" ones be stored after all (gone, and back), the page is upserted whole instead.
    /// </summary>
    public async Task SavePageAsync(Guid accountId, string region, IReadOnlyList<(DiscoveredInstance Instance, Guid Hash)> added,
        IReadOnlyList<(DiscoveredInstance Instance, Guid Hash)> changed, DateTimeOffset seenAt, CancellationToken ct)
    {
        if (added.Count > 0)
        {
            try
            {
                await using var batch = dataSource.CreateBatch();
                batch.BatchCommands.Add(InstancesCommand(InsertInstances, accountId, region, added, seenAt));
                if (changed.Count > 0)
                {
                    batch.BatchCommands.Add(InstancesCommand(UpsertInstances, accountId, region, changed, seenAt));
                }
                await batch.ExecuteNonQueryAsync(ct);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // The batch was rolled back whole; upsert everything below.
            }
        }
        var all = added.Count == 0 ? changed : [.. added, .. changed];
        if (all.Count > 0)
        {
            await using var batch = dataSource.CreateBatch();
            batch.BatchCommands.Add(InstancesCommand(UpsertInstances, accountId, region, all, seenAt));
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    private NpgsqlBatchCommand InstancesCommand(string sql, Guid accountId, string region,
        IReadOnlyList<(DiscoveredInstance Instance, Guid Hash)> rows, DateTimeOffset seenAt)
    {
        var page = rows.Select(c => c.Instance).ToList();
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("region", region);
        command.Parameters.AddWithValue("seen", seenAt);
        command.Parameters.AddWithValue("ids", page.Select(i => i.InstanceId).ToArray());
        command.Parameters.AddWithValue("hashes", rows.Select(c => c.Hash).ToArray());
        command.Parameters.AddWithValue("types", page.Select(i => i.InstanceType).ToArray());
        command.Parameters.AddWithValue("states", page.Select(i => i.State).ToArray());
        command.Parameters.Add(new NpgsqlParameter("azs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = page.Select(i => (object?)i.AvailabilityZone ?? DBNull.Value).ToArray() });
        command.Parameters.AddWithValue("platforms", page.Select(i => i.Platform).ToArray());
        command.Parameters.AddWithValue("archs", page.Select(i => i.Architecture).ToArray());
        command.Parameters.Add(new NpgsqlParameter("launched", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = page.Select(i => i.LaunchTime is { } t ? (object)t.UtcDateTime : DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("changed", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = page.Select(i => i.StateChangedAt is { } t ? (object)t.UtcDateTime : DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = page.Select(i => (object?)Clip(i.Name, FieldLengths.Name) ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = page.Select(i => JsonSerializer.Serialize(i.Tags)).ToArray() });
        command.Parameters.AddWithValue("lifecycles", page.Select(i => i.Lifecycle).ToArray());
        command.Parameters.AddWithValue("tenancies", page.Select(i => i.Tenancy).ToArray());
        // Priced as they are written, so a scan cut short leaves no instance without its figure; a running spot instance waits
        // (null) for its zone's spot price at the end of the region's scan (InventoryPricer).
        var costs = page.Select(i => i.Lifecycle == "spot" && i.State == InstanceState.Running.Value
            ? (InstanceCost?)null
            : Costs.Instance(catalog, region, i.InstanceType, i.Platform, i.Tenancy, i.Lifecycle, i.State == InstanceState.Running.Value, null)).ToList();
        command.Parameters.Add(new NpgsqlParameter("hourly", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = costs.Select(c => (object?)c?.Hourly ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("monthly", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = costs.Select(c => (object?)c?.Monthly ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("sources", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = costs.Select(c => (object?)c?.Source.Label() ?? DBNull.Value).ToArray() });
        return command;
    }

    /// <summary>
    /// After a complete scan of a region, in one batch (one round trip, all or nothing): the live instances the scan did not
    /// meet are marked gone, keeping when they were last seen (the region's previous complete scan); the region's volumes and
    /// addresses are replaced with what the scan found; and the scan is recorded as the region's last.
    /// </summary>
    public async Task CompleteRegionAsync(Guid accountId, string region, IReadOnlyCollection<string> goneInstanceIds,
        IReadOnlyList<DiscoveredVolume> volumes, IReadOnlyList<DiscoveredAddress> addresses, DateTimeOffset completedAt, CancellationToken ct)
    {
        // A batch runs as one implicit transaction: a failing statement rolls back the ones before it.
        await using var batch = dataSource.CreateBatch();
        if (goneInstanceIds.Count > 0)
        {
            // Runs before the region's scan is recorded below, so the subquery reads the previous one.
            var gone = new NpgsqlBatchCommand("""
                UPDATE instances SET gone_at = @now,
                    last_seen_at = GREATEST(last_seen_at, (SELECT completed_at FROM region_scans WHERE account_id = @account AND region = @region))
                WHERE account_id = @account AND region = @region AND instance_id = ANY(@ids) AND gone_at IS NULL
                """);
            gone.Parameters.AddWithValue("now", completedAt);
            gone.Parameters.AddWithValue("account", accountId);
            gone.Parameters.AddWithValue("region", region);
            gone.Parameters.AddWithValue("ids", goneInstanceIds as string[] ?? [.. goneInstanceIds]);
            batch.BatchCommands.Add(gone);
        }
        foreach (var table in (string[])["volumes", "addresses"])
        {
            var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE account_id = @account AND region = @region");
            delete.Parameters.AddWithValue("account", accountId);
            delete.Parameters.AddWithValue("region", region);
            batch.BatchCommands.Add(delete);
        }
        if (volumes.Count > 0)
        {
            var insert = new NpgsqlBatchCommand("""
                INSERT INTO volumes (account_id, region, volume_id, size_gib, volume_type, iops, throughput_mibps, state, availability_zone, attached_instance_id, tags, monthly_usd, last_seen_at)
                SELECT @account, @region, u.* , @seen FROM unnest(@ids, @sizes, @types, @iops, @throughput, @states, @azs, @attached, @tags, @monthly)
                     AS u(volume_id, size_gib, volume_type, iops, throughput, state, availability_zone, attached_instance_id, tags, monthly)
                ON CONFLICT (account_id, region, volume_id) DO NOTHING
                """);
            insert.Parameters.AddWithValue("account", accountId);
            insert.Parameters.AddWithValue("region", region);
            insert.Parameters.AddWithValue("seen", completedAt);
            insert.Parameters.AddWithValue("ids", volumes.Select(v => v.VolumeId).ToArray());
            insert.Parameters.AddWithValue("sizes", volumes.Select(v => v.SizeGiB).ToArray());
            insert.Parameters.AddWithValue("types", volumes.Select(v => v.VolumeType).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("iops", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = volumes.Select(v => (object?)v.Iops ?? DBNull.Value).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("throughput", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = volumes.Select(v => (object?)v.ThroughputMiBps ?? DBNull.Value).ToArray() });
            insert.Parameters.AddWithValue("states", volumes.Select(v => v.State).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("azs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = volumes.Select(v => (object?)v.AvailabilityZone ?? DBNull.Value).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("attached", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = volumes.Select(v => (object?)v.AttachedInstanceId ?? DBNull.Value).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = volumes.Select(v => JsonSerializer.Serialize(v.Tags)).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("monthly", NpgsqlDbType.Array | NpgsqlDbType.Numeric)
            {
                Value = volumes.Select(v => (object?)Costs.Volume(catalog, region, v.VolumeType, v.SizeGiB, v.Iops, v.ThroughputMiBps).Monthly ?? DBNull.Value).ToArray(),
            });
            batch.BatchCommands.Add(insert);
        }
        if (addresses.Count > 0)
        {
            var insert = new NpgsqlBatchCommand("""
                INSERT INTO addresses (account_id, region, allocation_id, public_ip, instance_id, association_id, domain, tags, monthly_usd, last_seen_at)
                SELECT @account, @region, u.*, @monthly, @seen FROM unnest(@ids, @ips, @instances, @associations, @domains, @tags)
                     AS u(allocation_id, public_ip, instance_id, association_id, domain, tags)
                ON CONFLICT (account_id, region, allocation_id) DO NOTHING
                """);
            insert.Parameters.AddWithValue("account", accountId);
            insert.Parameters.AddWithValue("region", region);
            insert.Parameters.AddWithValue("seen", completedAt);
            insert.Parameters.AddWithValue("ids", addresses.Select(a => a.AllocationId).ToArray());
            insert.Parameters.AddWithValue("ips", addresses.Select(a => a.PublicIp).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("instances", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = addresses.Select(a => (object?)a.InstanceId ?? DBNull.Value).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("associations", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = addresses.Select(a => (object?)a.AssociationId ?? DBNull.Value).ToArray() });
            insert.Parameters.AddWithValue("domains", addresses.Select(a => a.Domain).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = addresses.Select(a => JsonSerializer.Serialize(a.Tags)).ToArray() });
            // Every public IPv4 address of a region costs the same.
            insert.Parameters.Add(new NpgsqlParameter("monthly", NpgsqlDbType.Numeric) { Value = (object?)Costs.Address(catalog, region).Monthly ?? DBNull.Value });
            batch.BatchCommands.Add(insert);
        }
        var scan = new NpgsqlBatchCommand("""
            INSERT INTO region_scans (account_id, region, completed_at) VALUES (@account, @region, @completed)
            ON CONFLICT (account_id, region) DO UPDATE SET completed_at = EXCLUDED.completed_at
            """);
        scan.Parameters.AddWithValue("account", accountId);
        scan.Parameters.AddWithValue("region", region);
        scan.Parameters.AddWithValue("completed", completedAt);
        batch.BatchCommands.Add(scan);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>What <see cref="LoadLiveHashesAsync"/> read.</summary>
    public sealed record StoredRegion(Dictionary<string, Guid?> Hashes, HashSet<string> RunningSpotTypes);

    private static string? Clip(string? text, int max) => text is { Length: > 0 } t && t.Length > max ? t[..max] : text;
}
