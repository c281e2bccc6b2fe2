using Npgsql;
using NpgsqlTypes;

namespace CostPilot.Tests.Support;

/// <summary>
/// Writes a known, priced inventory straight into a test database with SQL (users, accounts, instances, volumes, addresses, daily
/// snapshots), so pages and exports can be checked against figures worked out by hand.
/// </summary>
public sealed class CostInventory(string connectionString)
{
    public static readonly DateTimeOffset Seen = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    public async Task<string> UserAsync(string? id = null)
    {
        id ??= Guid.NewGuid().ToString();
        var name = $"{id}@costpilot.test";
        await ExecuteAsync("""
            INSERT INTO users (id, created_at, user_name, normalized_user_name, email, normalized_email, email_confirmed,
                phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count)
            VALUES (@id, now(), @name, upper(@name), @name, upper(@name), true, false, false, true, 0)
            """, ("id", id), ("name", name));
        return id;
    }

    /// <summary>
    /// An account. Without a method, the user's first is a sample one and any further one uses access keys: the database allows one
    /// sample account per user.
    /// </summary>
    public async Task<Guid> AccountAsync(string ownerId, string name, string awsAccountId, string status = "Active", string? method = null)
    {
        var id = Guid.NewGuid();
        await ExecuteAsync("""
            INSERT INTO accounts (id, aws_account_id, owner_id, name, method, status, created_at, last_discovery_at)
            VALUES (@id, @aws, @owner, @name,
                COALESCE(@method, CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE owner_id = @owner AND method = 'Sandbox') THEN 'AccessKeys' ELSE 'Sandbox' END),
                @status, @seen, @seen)
            """, ("id", id), ("aws", awsAccountId), ("owner", ownerId), ("name", name), ("method", method), ("status", status),
            ("seen", Seen));
        return id;
    }

    /// <summary>An instance with its stored cost (null hourly and monthly: price unknown).</summary>
    public Task InstanceAsync(Guid accountId, string instanceId, string region, string type, string state, decimal? hourly, decimal? monthly,
        string? priceSource, string lifecycle = "on-demand", string platform = "linux", string? name = null, string tagsJson = "{}",
        bool gone = false) =>
        ExecuteAsync("""
            INSERT INTO instances (account_id, region, instance_id, instance_type, state, platform, architecture, launch_time, name, tags,
                lifecycle, first_seen_at, last_seen_at, gone_at, hourly_usd, monthly_usd, price_source)
            VALUES (@account, @region, @iid, @type, @state, @platform, 'x86_64', @seen, @name, @tags::jsonb,
                @lifecycle, @seen, @seen, @gone, @hourly, @monthly, @source)
            """, ("account", accountId), ("region", region), ("iid", instanceId), ("type", type), ("state", state), ("platform", platform),
            ("seen", Seen), ("name", name), ("tags", tagsJson), ("lifecycle", lifecycle), ("gone", gone ? Seen.AddDays(-1) : null),
            ("hourly", hourly), ("monthly", monthly), ("source", priceSource));

    public Task VolumeAsync(Guid accountId, string volumeId, string region, string type, int sizeGiB, string? attachedTo, decimal? monthly) =>
        ExecuteAsync("""
            INSERT INTO volumes (account_id, region, volume_id, size_gib, volume_type, state, attached_instance_id, tags, last_seen_at, monthly_usd)
            VALUES (@account, @region, @vid, @size, @type, @state, @attached, '{}'::jsonb, @seen, @monthly)
            """, ("account", accountId), ("region", region), ("vid", volumeId), ("size", sizeGiB), ("type", type),
            ("state", attachedTo is null ? "available" : "in-use"), ("attached", attachedTo), ("seen", Seen), ("monthly", monthly));

    public Task AddressAsync(Guid accountId, string allocationId, string publicIp, string region, string? instanceId, decimal? monthly) =>
        ExecuteAsync("""
            INSERT INTO addresses (account_id, region, allocation_id, public_ip, instance_id, association_id, domain, tags, last_seen_at, monthly_usd)
            VALUES (@account, @region, @alloc, @ip, @instance, @association, 'vpc', '{}'::jsonb, @seen, @monthly)
            """, ("account", accountId), ("region", region), ("alloc", allocationId), ("ip", publicIp), ("instance", instanceId),
            ("association", instanceId is null ? null : "eipassoc-" + allocationId), ("seen", Seen), ("monthly", monthly));

    public Task SnapshotAsync(Guid accountId, DateOnly day, decimal compute, decimal storage, decimal addresses) =>
        ExecuteAsync("""
            INSERT INTO cost_snapshots (account_id, day, compute_usd, storage_usd, address_usd, unknown_prices, computed_at)
            VALUES (@account, @day, @compute, @storage, @addresses, 0, @seen)
            """, ("account", accountId), ("day", day), ("compute", compute), ("storage", storage), ("addresses", addresses), ("seen", Seen));

    /// <summary>A stored recommendation, as the last evaluation of the account would have left it.</summary>
    public Task RecommendationAsync(Guid accountId, string kind, string resource, string resourceId, string region, decimal? before, decimal? after,
        int risk = 0, string current = "m5.xlarge", string proposed = "m5.large", string? name = null, string reason = "because") =>
        ExecuteAsync("""
            INSERT INTO recommendations (account_id, kind, resource, resource_id, region, name, current, proposed, monthly_cost_before,
                monthly_cost_after, monthly_saving, risk, reason, created_at)
            VALUES (@account, @kind, @resource, @rid, @region, @name, @current, @proposed, @before, @after, @saving, @risk, @reason, @seen)
            """, ("account", accountId), ("kind", kind), ("resource", resource), ("rid", resourceId), ("region", region), ("name", name),
            ("current", current), ("proposed", proposed), ("before", before), ("after", after), ("saving", before - after), ("risk", (short)risk),
            ("reason", reason), ("seen", Seen));

    public Task FindingAsync(Guid accountId, string instanceId, string region, string kind, string message) =>
        ExecuteAsync("INSERT INTO instance_findings (account_id, region, instance_id, kind, message) VALUES (@account, @region, @iid, @kind, @message)",
            ("account", accountId), ("region", region), ("iid", instanceId), ("kind", kind), ("message", message));

    public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter(name, DBNull.Value),
                DateOnly day => new NpgsqlParameter(name, NpgsqlDbType.Date) { Value = day },
                _ => new NpgsqlParameter(name, value),
            });
        }
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// One account's inventory with every cost worked out by hand: on-demand, spot, stopped (free), unknown and gone instances,
/// attached, idle and unpriced volumes, associated and idle addresses, two days of history. Figures are chosen to need
/// thousands separators and to make a wrong sum show.
/// </summary>
public static class KnownFleet
{
    public const string Name = "Production — payments & search, a long account name that has to wrap on a phone";
    public const decimal Compute = 24_157.02m;   // 70.08 + 140.16 + 22.78 + 0 + 23,924.00 (unknown and gone not counted)
    public const decimal Storage = 63.00m;       // 8.00 + 55.00 (one volume's price unknown)
    public const decimal Addresses = 7.30m;      // 3.65 + 3.65
    public const decimal Total = Compute + Storage + Addresses; // 24,227.32
    public const int Unknown = 2;                // one instance, one volume
    public const int LiveInstances = 6;

    public static async Task<Guid> SeedAsync(CostInventory db, string ownerId, string awsAccountId, string name = Name)
    {
        var id = await db.AccountAsync(ownerId, name, awsAccountId);
        await db.InstanceAsync(id, "i-0000000000000001", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "on-demand",
            name: "web-1", tagsJson: """{"Name":"web-1","Team":"payments","Environment":"prod"}""");
        await db.InstanceAsync(id, "i-0000000000000002", "us-east-1", "m5.xlarge", "running", 0.192m, 140.16m, "on-demand",
            name: "web-2", tagsJson: """{"Name":"web-2","Team":"payments","Environment":"staging"}""");
        await db.InstanceAsync(id, "i-0000000000000003", "eu-west-1", "c5.large", "running", 0.0312m, 22.78m, "spot", lifecycle: "spot",
            name: "search-spot", tagsJson: """{"Name":"search-spot","Team":"search"}""");
        await db.InstanceAsync(id, "i-0000000000000004", "eu-west-1", "t3.micro", "stopped", 0m, 0m, "on-demand", name: "bastion");
        await db.InstanceAsync(id, "i-0000000000000005", "us-west-2", "m5.large", "running", null, null, "unknown", platform: "rhel",
            name: "legacy-rhel");
        await db.InstanceAsync(id, "i-0000000000000006", "us-east-1", "p4d.24xlarge", "running", 32.7726m, 23_924.00m, "on-demand",
            name: "=training", tagsJson: """{"Name":"=training","Team":"ml","Environment":"prod"}""");
        await db.InstanceAsync(id, "i-0000000000000007", "us-east-1", "m5.large", "running", 0.096m, 70.08m, "on-demand", name: "old", gone: true);
        await db.VolumeAsync(id, "vol-0000000000000001", "us-east-1", "gp3", 100, "i-0000000000000001", 8.00m);
        await db.VolumeAsync(id, "vol-0000000000000002", "eu-west-1", "gp2", 550, null, 55.00m);
        await db.VolumeAsync(id, "vol-0000000000000003", "us-east-1", "io9", 10, "i-0000000000000002", null);
        await db.AddressAsync(id, "eipalloc-0000000000000001", "203.0.113.10", "us-east-1", "i-0000000000000001", 3.65m);
        await db.AddressAsync(id, "eipalloc-0000000000000002", "203.0.113.11", "eu-west-1", null, 3.65m);
        return id;
    }
}
