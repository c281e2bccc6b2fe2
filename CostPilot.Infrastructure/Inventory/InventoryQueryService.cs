using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Persistence.Configurations;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Inventory;

/// <summary>
/// What the client pages read: accounts with their counts and costs, the instances grid, volumes and addresses, and the cost
/// charts. Every method takes the caller and only ever reads the caller's own accounts; another user's account is "not found".
/// </summary>
public sealed class InventoryQueryService(IDbContextFactory<CostPilotDbContext> dbFactory, TimeProvider clock)
{
    public const int ChartSlices = 8;
    public const string OtherLabel = "other";
    public const string UntaggedLabel = "(untagged)";
    public const int HistoryDays = 90;

    private static readonly ServiceError NotYours = ServiceError.NotFound("That account does not exist or is not yours.");

    public async Task<IReadOnlyList<AccountRow>> ListAccountsAsync(Caller caller, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await RowsAsync(db, db.Accounts.Where(a => a.OwnerId == caller.UserId).OrderBy(a => a.Name).ThenBy(a => a.CreatedAt), ct);
    }

    public async Task<Result<AccountDetail>> GetAccountAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = (await RowsAsync(db, db.Accounts.Where(a => a.Id == accountId && a.OwnerId == caller.UserId), ct)).SingleOrDefault();
        if (row is null)
        {
            return NotYours;
        }
        var regions = await db.Instances.Where(i => i.AccountId == accountId && i.GoneAt == null)
            .GroupBy(i => i.Region)
            .Select(g => new RegionCount(g.Key,
                g.Count(i => i.State == InstanceState.Running),
                g.Count(i => i.State == InstanceState.Stopped),
                g.Count(i => i.State != InstanceState.Running && i.State != InstanceState.Stopped)))
            .ToListAsync(ct);
        var volumes = await db.Volumes.Where(v => v.AccountId == accountId).GroupBy(v => 1)
            .Select(g => new { Total = g.Count(), Unattached = g.Count(v => v.AttachedInstanceId == null) }).SingleOrDefaultAsync(ct);
        var addresses = await db.Addresses.Where(a => a.AccountId == accountId).GroupBy(a => 1)
            .Select(g => new { Total = g.Count(), Idle = g.Count(a => a.AssociationId == null) }).SingleOrDefaultAsync(ct);
        var scans = await RegionScansAsync(db, accountId, ct);
        return new AccountDetail(row, [.. regions
                .Select(r => r with { LastScanAt = scans.GetValueOrDefault(r.Region) })
                .OrderByDescending(r => r.Total).ThenBy(r => r.Region, StringComparer.Ordinal)],
            volumes?.Total ?? 0, volumes?.Unattached ?? 0, addresses?.Total ?? 0, addresses?.Idle ?? 0);
    }

    /// <summary>The account's cost charts: by region, family, Team and Environment tags, and its daily history.</summary>
    public async Task<Result<AccountCosts>> GetCostsAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            return NotYours;
        }
        var byRegion = await db.Database.SqlQuery<CostShare>($"""
            SELECT region AS label, SUM(monthly) AS monthly_usd FROM (
                SELECT region, monthly_usd AS monthly FROM instances WHERE account_id = {accountId} AND gone_at IS NULL AND monthly_usd > 0
                UNION ALL SELECT region, monthly_usd FROM volumes WHERE account_id = {accountId} AND monthly_usd > 0
                UNION ALL SELECT region, monthly_usd FROM addresses WHERE account_id = {accountId} AND monthly_usd > 0) AS costs
            GROUP BY region
            """).ToListAsync(ct);
        var byFamily = await db.Database.SqlQuery<CostShare>($"""
            SELECT instance_family AS label, SUM(monthly_usd) AS monthly_usd FROM instances
            WHERE account_id = {accountId} AND gone_at IS NULL AND monthly_usd > 0 GROUP BY instance_family
            """).ToListAsync(ct);
        var byTeam = await ByTagAsync(db, accountId, "Team", ct);
        var byEnvironment = await ByTagAsync(db, accountId, "Environment", ct);
        var since = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-HistoryDays);
        var history = await db.CostSnapshots.AsNoTracking()
            .Where(s => s.AccountId == accountId && s.Day > since)
            .OrderBy(s => s.Day)
            .Select(s => new CostPoint(s.Day, s.ComputeUsd, s.StorageUsd, s.AddressUsd))
            .ToListAsync(ct);
        return new AccountCosts(TopSlices(byRegion), TopSlices(byFamily), TopSlices(byTeam), TopSlices(byEnvironment), history);
    }

    private static Task<List<CostShare>> ByTagAsync(CostPilotDbContext db, Guid accountId, string tag, CancellationToken ct) =>
        db.Database.SqlQuery<CostShare>($"""
            SELECT COALESCE(NULLIF(tags ->> {tag}, ''), {UntaggedLabel}) AS label, SUM(monthly_usd) AS monthly_usd FROM instances
            WHERE account_id = {accountId} AND gone_at IS NULL AND monthly_usd > 0 GROUP BY 1
            """).ToListAsync(ct);

    /// <summary>The largest <see cref="ChartSlices"/> by cost (ties by label), then "other" with the rest: the slices add up to the whole.</summary>
    public static IReadOnlyList<CostShare> TopSlices(IEnumerable<CostShare> shares)
    {
        var ordered = shares.OrderByDescending(s => s.MonthlyUsd).ThenBy(s => s.Label, StringComparer.Ordinal).ToList();
        if (ordered.Count <= ChartSlices)
        {
            return ordered;
        }
        return [.. ordered.Take(ChartSlices), new CostShare(OtherLabel, ordered.Skip(ChartSlices).Sum(s => s.MonthlyUsd))];
    }

    public async Task<Result<InstancePage>> QueryInstancesAsync(Caller caller, Guid accountId, InstanceQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            return NotYours;
        }
        var instances = Filter(db, accountId, query);
        var total = await instances.CountAsync(ct);
        var rows = await Project(Sort(instances, query).Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, 500))).ToListAsync(ct);
        var scans = await RegionScansAsync(db, accountId, ct);
        return new InstancePage([.. rows.Select(r => WithLastSeen(r, scans))], total);
    }

    /// <summary>Every instance the filters select, in the query's order (no paging): what a CSV export writes.</summary>
    public async IAsyncEnumerable<InstanceRow> StreamInstancesAsync(Caller caller, Guid accountId, InstanceQuery query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            yield break;
        }
        var scans = await RegionScansAsync(db, accountId, ct);
        await foreach (var row in Project(Sort(Filter(db, accountId, query), query)).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return WithLastSeen(row, scans);
        }
    }

    public async Task<bool> OwnsAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await OwnsAsync(db, caller, accountId, ct);
    }

    public Task<Result<ResourcePage<VolumeRow>>> QueryVolumesAsync(Caller caller, Guid accountId, ResourceQuery query, CancellationToken ct = default) =>
        PageAsync(caller, accountId, query, db => ProjectVolumes(FilterVolumes(db, accountId, query)), ct);

    public Task<Result<ResourcePage<AddressRow>>> QueryAddressesAsync(Caller caller, Guid accountId, ResourceQuery query, CancellationToken ct = default) =>
        PageAsync(caller, accountId, query, db => ProjectAddresses(FilterAddresses(db, accountId, query)), ct);

    public IAsyncEnumerable<VolumeRow> StreamVolumesAsync(Caller caller, Guid accountId, ResourceQuery query, CancellationToken ct = default) =>
        StreamAsync(caller, accountId, db => ProjectVolumes(FilterVolumes(db, accountId, query)), ct);

    public IAsyncEnumerable<AddressRow> StreamAddressesAsync(Caller caller, Guid accountId, ResourceQuery query, CancellationToken ct = default) =>
        StreamAsync(caller, accountId, db => ProjectAddresses(FilterAddresses(db, accountId, query)), ct);

    /// <summary>One page of an account's volumes or addresses, with the count of all that match.</summary>
    private async Task<Result<ResourcePage<T>>> PageAsync<T>(Caller caller, Guid accountId, ResourceQuery query,
        Func<CostPilotDbContext, IQueryable<T>> rows, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            return NotYours;
        }
        var all = rows(db);
        var total = await all.CountAsync(ct);
        var page = await all.Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, 500)).ToListAsync(ct);
        return new ResourcePage<T>(page, total);
    }

    /// <summary>Every row that matches, as it is read (nothing when the account is not the caller's).</summary>
    private async IAsyncEnumerable<T> StreamAsync<T>(Caller caller, Guid accountId, Func<CostPilotDbContext, IQueryable<T>> rows,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            yield break;
        }
        await foreach (var row in rows(db).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return row;
        }
    }

    private static IQueryable<Instance> Filter(CostPilotDbContext db, Guid accountId, InstanceQuery query)
    {
        var instances = db.Instances.AsNoTracking().Where(i => i.AccountId == accountId);
        if (!query.IncludeGone)
        {
            instances = instances.Where(i => i.GoneAt == null);
        }
        if (!string.IsNullOrEmpty(query.Region))
        {
            instances = instances.Where(i => i.Region == query.Region);
        }
        if (query.State is { } state)
        {
            instances = instances.Where(i => i.State == state);
        }
        if (!string.IsNullOrWhiteSpace(query.InstanceType))
        {
            var type = query.InstanceType.Trim();
            if (InstanceType.IsFamilyFilter(type))
            {
                var family = type.TrimEnd('.');
                instances = instances.Where(i => EF.Property<string>(i, InstanceConfiguration.Family) == family);
            }
            else
            {
                var exact = new InstanceType(type);
                instances = instances.Where(i => i.InstanceType == exact);
            }
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var pattern = Like.Contains(query.Text);
            // Name, id, or any tag value (the tags column is jsonb; ::text searches keys and values).
            instances = instances.Where(i => EF.Functions.ILike(i.InstanceId, pattern, Like.Escape)
                || EF.Functions.ILike(i.Name ?? "", pattern, Like.Escape)
                || EF.Functions.ILike(EF.Property<string>(i, InstanceConfiguration.TagsText), pattern, Like.Escape));
        }
        return instances;
    }

    private static IQueryable<Instance> Sort(IQueryable<Instance> instances, InstanceQuery query) => (query.SortBy, query.Descending) switch
    {
        (InstanceSort.InstanceId, false) => instances.OrderBy(i => i.InstanceId),
        (InstanceSort.InstanceId, true) => instances.OrderByDescending(i => i.InstanceId),
        (InstanceSort.Region, false) => instances.OrderBy(i => i.Region).ThenBy(i => i.InstanceId),
        (InstanceSort.Region, true) => instances.OrderByDescending(i => i.Region).ThenBy(i => i.InstanceId),
        (InstanceSort.InstanceType, false) => instances.OrderBy(i => i.InstanceType).ThenBy(i => i.InstanceId),
        (InstanceSort.InstanceType, true) => instances.OrderByDescending(i => i.InstanceType).ThenBy(i => i.InstanceId),
        (InstanceSort.State, false) => instances.OrderBy(i => i.State).ThenBy(i => i.InstanceId),
        (InstanceSort.State, true) => instances.OrderByDescending(i => i.State).ThenBy(i => i.InstanceId),
        (InstanceSort.LaunchTime, false) => instances.OrderBy(i => i.LaunchTime).ThenBy(i => i.InstanceId),
        (InstanceSort.LaunchTime, true) => instances.OrderByDescending(i => i.LaunchTime).ThenBy(i => i.InstanceId),
        // Unknown prices sort last both ways: they are neither cheap nor expensive.
        (InstanceSort.HourlyCost, false) => instances.OrderBy(i => i.HourlyUsd == null).ThenBy(i => i.HourlyUsd).ThenBy(i => i.InstanceId),
        (InstanceSort.HourlyCost, true) => instances.OrderBy(i => i.HourlyUsd == null).ThenByDescending(i => i.HourlyUsd).ThenBy(i => i.InstanceId),
        (InstanceSort.MonthlyCost, false) => instances.OrderBy(i => i.MonthlyUsd == null).ThenBy(i => i.MonthlyUsd).ThenBy(i => i.InstanceId),
        (InstanceSort.MonthlyCost, true) => instances.OrderBy(i => i.MonthlyUsd == null).ThenByDescending(i => i.MonthlyUsd).ThenBy(i => i.InstanceId),
        (_, false) => instances.OrderBy(i => i.Name).ThenBy(i => i.InstanceId),
        (_, true) => instances.OrderByDescending(i => i.Name).ThenBy(i => i.InstanceId),
    };

    private static IQueryable<InstanceRow> Project(IQueryable<Instance> instances) =>
        instances.Select(i => new InstanceRow(i.Id, i.InstanceId, i.Name, i.Region, i.InstanceType, i.State, i.AvailabilityZone,
            i.Platform, i.Architecture, i.Lifecycle, i.LaunchTime, i.Tags, i.GoneAt, i.LastSeenAt, i.HourlyUsd, i.MonthlyUsd, i.PriceSource));

    private static InstanceRow WithLastSeen(InstanceRow row, Dictionary<string, DateTimeOffset?> scans) =>
        row with { LastSeenAt = RegionScan.LastSeen(row.LastSeenAt, row.GoneAt, scans.GetValueOrDefault(row.Region)) };

    private static IQueryable<Volume> FilterVolumes(CostPilotDbContext db, Guid accountId, ResourceQuery query)
    {
        var volumes = db.Volumes.AsNoTracking().Where(v => v.AccountId == accountId);
        if (!string.IsNullOrEmpty(query.Region))
        {
            volumes = volumes.Where(v => v.Region == query.Region);
        }
        if (query.IdleOnly)
        {
            volumes = volumes.Where(v => v.AttachedInstanceId == null);
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var pattern = Like.Contains(query.Text);
            volumes = volumes.Where(v => EF.Functions.ILike(v.VolumeId, pattern, Like.Escape)
                || EF.Functions.ILike(v.AttachedInstanceId ?? "", pattern, Like.Escape)
                || EF.Functions.ILike(EF.Property<string>(v, InstanceConfiguration.TagsText), pattern, Like.Escape));
        }
        // Idle first (paid for, used by nothing), then the most expensive; unknown prices after the known ones.
        return volumes.OrderBy(v => v.AttachedInstanceId != null).ThenBy(v => v.MonthlyUsd == null)
            .ThenByDescending(v => v.MonthlyUsd).ThenBy(v => v.VolumeId);
    }

    private static IQueryable<VolumeRow> ProjectVolumes(IQueryable<Volume> volumes) =>
        volumes.Select(v => new VolumeRow(v.VolumeId, EF.Property<string?>(v, InstanceConfiguration.NameTag), v.Region, v.VolumeType, v.SizeGiB,
            v.Iops, v.ThroughputMiBps, v.State, v.AttachedInstanceId, v.MonthlyUsd));

    private static IQueryable<ElasticAddress> FilterAddresses(CostPilotDbContext db, Guid accountId, ResourceQuery query)
    {
        var addresses = db.Addresses.AsNoTracking().Where(a => a.AccountId == accountId);
        if (!string.IsNullOrEmpty(query.Region))
        {
            addresses = addresses.Where(a => a.Region == query.Region);
        }
        if (query.IdleOnly)
        {
            addresses = addresses.Where(a => a.AssociationId == null);
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var pattern = Like.Contains(query.Text);
            addresses = addresses.Where(a => EF.Functions.ILike(a.AllocationId, pattern, Like.Escape)
                || EF.Functions.ILike(a.PublicIp, pattern, Like.Escape)
                || EF.Functions.ILike(a.InstanceId ?? "", pattern, Like.Escape)
                || EF.Functions.ILike(EF.Property<string>(a, InstanceConfiguration.TagsText), pattern, Like.Escape));
        }
        return addresses.OrderBy(a => a.AssociationId != null).ThenBy(a => a.MonthlyUsd == null)
            .ThenByDescending(a => a.MonthlyUsd).ThenBy(a => a.Region).ThenBy(a => a.PublicIp);
    }

    private static IQueryable<AddressRow> ProjectAddresses(IQueryable<ElasticAddress> addresses) =>
        addresses.Select(a => new AddressRow(a.AllocationId, a.PublicIp, EF.Property<string?>(a, InstanceConfiguration.NameTag), a.Region,
            a.InstanceId, a.AssociationId, a.MonthlyUsd));

    private static Task<bool> OwnsAsync(CostPilotDbContext db, Caller caller, Guid accountId, CancellationToken ct) =>
        db.Accounts.AnyAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct);

    /// <summary>Region → when its last complete scan ended (absent: never); a few dozen rows at most.</summary>
    private static Task<Dictionary<string, DateTimeOffset?>> RegionScansAsync(CostPilotDbContext db, Guid accountId, CancellationToken ct) =>
        db.RegionScans.AsNoTracking().Where(r => r.AccountId == accountId)
            .ToDictionaryAsync(r => r.Region, r => (DateTimeOffset?)r.CompletedAt, StringComparer.Ordinal, ct);

    /// <summary>The accounts as rows with their live instance counts and monthly costs, in the query's order.</summary>
    internal static async Task<List<AccountRow>> RowsAsync(CostPilotDbContext db, IQueryable<Domain.Accounts.Account> accounts, CancellationToken ct)
    {
        var rows = await accounts.Select(a => new
        {
            Account = a,
            Instances = db.Instances.Count(i => i.AccountId == a.Id && i.GoneAt == null),
            Running = db.Instances.Count(i => i.AccountId == a.Id && i.GoneAt == null && i.State == InstanceState.Running),
            Compute = db.Instances.Where(i => i.AccountId == a.Id && i.GoneAt == null).Sum(i => i.MonthlyUsd) ?? 0m,
            UnknownInstances = db.Instances.Count(i => i.AccountId == a.Id && i.GoneAt == null && i.MonthlyUsd == null),
            Storage = db.Volumes.Where(v => v.AccountId == a.Id).Sum(v => v.MonthlyUsd) ?? 0m,
            UnknownVolumes = db.Volumes.Count(v => v.AccountId == a.Id && v.MonthlyUsd == null),
            Addresses = db.Addresses.Where(x => x.AccountId == a.Id).Sum(x => x.MonthlyUsd) ?? 0m,
            UnknownAddresses = db.Addresses.Count(x => x.AccountId == a.Id && x.MonthlyUsd == null),
        }).AsNoTracking().ToListAsync(ct);
        return [.. rows.Select(r => new AccountRow(
            r.Account.Id, r.Account.Name, r.Account.AwsAccountId.Value, r.Account.Method, r.Account.Status, r.Account.StatusMessage,
            r.Account.CreatedAt, r.Account.LastDiscoveryAt, r.Instances, r.Running,
            new CostBreakdown(r.Compute, r.Storage, r.Addresses, r.UnknownInstances, r.UnknownVolumes, r.UnknownAddresses)))];
    }
}
