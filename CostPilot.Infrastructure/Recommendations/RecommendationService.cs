using System.Runtime.CompilerServices;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Persistence.Configurations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CostPilot.Infrastructure.Recommendations;

/// <summary>
/// Evaluates an account's recommendations (<see cref="RecommendationEngine"/> over its stored inventory, prices and
/// utilization) and stores them, replacing the last evaluation whole; and reads them for the pages. Reads take the caller and
/// only ever show the caller's own accounts; another user's account is "not found".
/// </summary>
public sealed class RecommendationService(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    NpgsqlDataSource dataSource,
    IPriceCatalog prices,
    IInstanceTypeCatalog types,
    IOptions<RecommendationSettings> settings,
    TimeProvider clock)
{
    public const string SettingsSection = "CostPilot:Recommendations";

    private static readonly ServiceError NotYours = ServiceError.NotFound("That account does not exist or is not yours.");

    /// <summary>What an instance without utilization data is told while there is no run to blame.</summary>
    public const string NotCollectedYet = "CloudWatch metrics have not been read for this account yet; they are read after each scan.";
    public const string CollectingNow = "CloudWatch metrics are being read; advice follows when they are in.";

    /// <summary>
    /// Evaluates the account and replaces its stored recommendations and findings; false when the account is gone. A utilization
    /// job passes the <paramref name="run"/> it is about to record, so the advice is stored before the run says it is done.
    /// </summary>
    public async Task<bool> RefreshAsync(Guid accountId, CancellationToken ct, UtilizationRun? run = null)
    {
        var fleet = await LoadFleetAsync(accountId, run, ct);
        if (fleet is null)
        {
            return false;
        }
        var result = new RecommendationEngine(prices, types, settings.Value).Evaluate(fleet);
        var regions = fleet.Instances.ToDictionary(i => i.InstanceId, i => i.Region, StringComparer.Ordinal);
        var now = clock.GetUtcNow();

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // One evaluation of an account stored at a time (a scan's and a price change's may meet): each replaces the whole set.
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            take.Parameters.AddWithValue("key", LockKey(accountId));
            await take.ExecuteNonQueryAsync(ct);
        }
        await using (var clear = new NpgsqlCommand("""
            DELETE FROM recommendations WHERE account_id = @account;
            DELETE FROM instance_findings WHERE account_id = @account;
            """, connection, transaction))
        {
            clear.Parameters.AddWithValue("account", accountId);
            await clear.ExecuteNonQueryAsync(ct);
        }
        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY recommendations (account_id, kind, resource, resource_id, region, name, current, proposed, monthly_cost_before,
                                  monthly_cost_after, monthly_saving, risk, reason, created_at) FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var r in result.Recommendations)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(accountId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(r.Kind.Slug(), NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(r.Resource.ToString(), NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(r.ResourceId, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(r.Region, NpgsqlDbType.Varchar, ct);
                await WriteAsync(copy, Clip(r.Name, FieldLengths.Name), NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(Clip(r.Current, 200)!, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(Clip(r.Proposed, 200)!, NpgsqlDbType.Varchar, ct);
                await WriteAsync(copy, r.MonthlyCostBefore, NpgsqlDbType.Numeric, ct);
                await WriteAsync(copy, r.MonthlyCostAfter, NpgsqlDbType.Numeric, ct);
                await WriteAsync(copy, r.MonthlySaving, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync((short)r.Risk, NpgsqlDbType.Smallint, ct);
                await copy.WriteAsync(Clip(r.Reason, 1000)!, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
            }
            await copy.CompleteAsync(ct);
        }
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY instance_findings (account_id, region, instance_id, kind, message) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var f in result.Findings)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(accountId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(regions.GetValueOrDefault(f.InstanceId, ""), NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(f.InstanceId, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(f.Kind.ToString(), NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(Clip(f.Message, 1000)!, NpgsqlDbType.Varchar, ct);
            }
            await copy.CompleteAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>The account's live inventory, utilization summaries and collection state, as the engine takes them; null: no such account.</summary>
    internal async Task<Fleet?> LoadFleetAsync(Guid accountId, UtilizationRun? run, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, ct))
        {
            return null;
        }
        var instances = await db.Instances.AsNoTracking().Where(i => i.AccountId == accountId && i.GoneAt == null)
            .Select(i => new FleetInstance(i.InstanceId, i.Name, i.Region, i.InstanceType.Value, i.State, i.Platform, i.Architecture,
                i.Tenancy, i.Lifecycle, i.MonthlyUsd, i.StateChangedAt))
            .ToListAsync(ct);
        var volumes = await db.Volumes.AsNoTracking().Where(v => v.AccountId == accountId)
            .Select(v => new FleetVolume(v.VolumeId, EF.Property<string?>(v, InstanceConfiguration.NameTag), v.Region, v.VolumeType, v.SizeGiB,
                v.Iops, v.ThroughputMiBps, v.AttachedInstanceId, v.MonthlyUsd))
            .ToListAsync(ct);
        var addresses = await db.Addresses.AsNoTracking().Where(a => a.AccountId == accountId)
            .Select(a => new FleetAddress(a.AllocationId, a.PublicIp, EF.Property<string?>(a, InstanceConfiguration.NameTag), a.Region,
                a.AssociationId, a.MonthlyUsd))
            .ToListAsync(ct);
        var utilization = await db.InstanceUtilization.AsNoTracking().Where(u => u.AccountId == accountId)
            .Select(u => new { u.InstanceId, u.HourlyPoints, u.CpuP95, u.CpuMax, u.NetworkBytesPerDay })
            .ToDictionaryAsync(u => u.InstanceId, u => new UtilizationSummary(u.HourlyPoints, u.CpuP95, u.CpuMax, u.NetworkBytesPerDay),
                StringComparer.Ordinal, ct);
        await JudgeResizedBySinceAsync(db, accountId, utilization, ct);
        run ??= await db.UtilizationRuns.AsNoTracking().SingleOrDefaultAsync(r => r.AccountId == accountId, ct);
        return new Fleet(instances, volumes, addresses, utilization, ProblemOf(run), clock.GetUtcNow());
    }

    /// <summary>
    /// An instance CostPilot resized within the window is judged only by the hours since: the old type's load says little about the
    /// new one (a p95 of 12 % on an xlarge is about 24 % on a large). Until enough hours have passed it has "not enough data".
    /// </summary>
    private async Task JudgeResizedBySinceAsync(CostPilotDbContext db, Guid accountId, Dictionary<string, UtilizationSummary> utilization, CancellationToken ct)
    {
        var windowStart = UtilizationSeries.WindowStart(clock.GetUtcNow());
        var resized = await db.Experiments.AsNoTracking()
            .Where(e => e.AccountId == accountId && e.State == ExperimentState.Succeeded && e.ToType != null && e.CompletedAt > windowStart)
            .GroupBy(e => e.InstanceId)
            .Select(g => new { InstanceId = g.Key, ChangedAt = g.Max(e => e.CompletedAt)!.Value })
            .ToListAsync(ct);
        foreach (var change in resized)
        {
            var stored = await db.InstanceUtilization.AsNoTracking().SingleOrDefaultAsync(u => u.AccountId == accountId && u.InstanceId == change.InstanceId, ct);
            if (stored is not { CpuAverage.Length: > 0 })
            {
                continue;
            }
            utilization[change.InstanceId] = UtilizationSummary.Of(stored.ToSeries().Since(change.ChangedAt));
        }
    }

    /// <summary>Why instances without data have none, when the whole account is the reason; null when each instance speaks for itself.</summary>
    internal static string? ProblemOf(UtilizationRun? run) => run switch
    {
        null or { Status: UtilizationStatus.NotCollected } => NotCollectedYet,
        { Status: UtilizationStatus.Failed } => run.Message,
        { Status: UtilizationStatus.Collecting or UtilizationStatus.Interrupted, CollectedAt: null } => CollectingNow,
        _ => null,
    };

    public async Task<Result<SavingsSummary>> GetSummaryAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            return NotYours;
        }
        var kinds = await db.Recommendations.AsNoTracking().Where(r => r.AccountId == accountId)
            .GroupBy(r => r.Kind)
            .Select(g => new KindSaving(g.Key, g.Count(), g.Sum(r => r.MonthlySaving) ?? 0m, g.Count(r => r.MonthlySaving == null)))
            .ToListAsync(ct);
        var findings = await db.InstanceFindings.AsNoTracking().Where(f => f.AccountId == accountId)
            .GroupBy(f => f.Kind).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var run = await db.UtilizationRuns.AsNoTracking().SingleOrDefaultAsync(r => r.AccountId == accountId, ct);
        var ordered = kinds.OrderByDescending(k => k.MonthlySaving).ThenBy(k => k.Kind).ToList();
        return new SavingsSummary(ordered.Sum(k => k.MonthlySaving), ordered.Sum(k => k.Count), ordered,
            findings.GetValueOrDefault(InstanceFindingKind.NotEnoughData), findings.GetValueOrDefault(InstanceFindingKind.UnderProvisioned),
            StateOf(run));
    }

    public async Task<Result<RecommendationPage>> QueryAsync(Caller caller, Guid accountId, RecommendationQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            return NotYours;
        }
        var rows = Filter(db, accountId, query);
        var total = await rows.CountAsync(ct);
        var page = await Project(db, Sort(rows, query)).Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, 500)).ToListAsync(ct);
        return new RecommendationPage(page, total);
    }

    /// <summary>One recommendation of the caller's, by its id (another user's is "not found", like one that does not exist).</summary>
    public async Task<Result<RecommendationRow>> GetAsync(Caller caller, long recommendationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var mine = db.Recommendations.AsNoTracking()
            .Where(r => r.Id == recommendationId && db.Accounts.Any(a => a.Id == r.AccountId && a.OwnerId == caller.UserId));
        return await Project(db, mine).SingleOrDefaultAsync(ct) is { } row
            ? row
            : ServiceError.NotFound("That recommendation does not exist or is not yours. Recommendations are replaced after each scan: list them again.");
    }

    /// <summary>Every row the query matches, in its order, for the CSV export (nothing when the account is not the caller's).</summary>
    public async IAsyncEnumerable<RecommendationRow> StreamAsync(Caller caller, Guid accountId, RecommendationQuery query,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            yield break;
        }
        await foreach (var row in Project(db, Sort(Filter(db, accountId, query), query)).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return row;
        }
    }

    /// <summary>The advice for the given instances of the account (those with neither a recommendation nor a finding are absent).</summary>
    public async Task<Result<IReadOnlyDictionary<string, InstanceAdvice>>> GetAdviceAsync(Caller caller, Guid accountId,
        IReadOnlyCollection<string> instanceIds, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(instanceIds);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            return NotYours;
        }
        var ids = instanceIds.ToArray();
        var recommendations = await db.Recommendations.AsNoTracking()
            .Where(r => r.AccountId == accountId && r.Resource == ResourceKind.Instance && ids.Contains(r.ResourceId))
            .ToListAsync(ct);
        var findings = await db.InstanceFindings.AsNoTracking()
            .Where(f => f.AccountId == accountId && ids.Contains(f.InstanceId)).ToListAsync(ct);
        var advice = new Dictionary<string, InstanceAdvice>(StringComparer.Ordinal);
        foreach (var f in findings)
        {
            advice[f.InstanceId] = new InstanceAdvice(f.InstanceId, null, null, null, null, null, f.Kind, f.Message);
        }
        // An instance has at most one compute recommendation, or a stopped-long one; the largest saving shows.
        foreach (var r in recommendations.OrderBy(r => r.MonthlySaving ?? -1m))
        {
            var finding = advice.GetValueOrDefault(r.ResourceId);
            advice[r.ResourceId] = new InstanceAdvice(r.ResourceId, r.Kind, r.Proposed, r.MonthlySaving, r.Risk, r.Reason,
                finding?.Finding, finding?.FindingMessage);
        }
        return advice;
    }

    /// <summary>One instance's stored 14-day series for its CPU chart; not found when it has none (or is not the caller's).</summary>
    public async Task<Result<InstanceUtilizationDetail>> GetUtilizationAsync(Caller caller, Guid accountId, string instanceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, caller, accountId, ct))
        {
            return NotYours;
        }
        var row = await db.InstanceUtilization.AsNoTracking().SingleOrDefaultAsync(u => u.AccountId == accountId && u.InstanceId == instanceId, ct);
        if (row is null)
        {
            return ServiceError.NotFound("CostPilot has no CloudWatch data for this instance.");
        }
        return new InstanceUtilizationDetail(row.InstanceId, row.Region, row.WindowStart, Points(row.CpuAverage), Points(row.CpuMaximum),
            row.Summary, row.CollectedAt);
    }

    /// <summary>The caller's potential savings over all their accounts, and the <paramref name="top"/> largest recommendations.</summary>
    public async Task<SavingsOverview> GetOverviewAsync(Caller caller, int top = 10, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var mine = db.Recommendations.AsNoTracking()
            .Where(r => db.Accounts.Any(a => a.Id == r.AccountId && a.OwnerId == caller.UserId));
        var totals = await mine.GroupBy(r => 1).Select(g => new { Saving = g.Sum(r => r.MonthlySaving) ?? 0m, Count = g.Count() })
            .SingleOrDefaultAsync(ct);
        var best = await Project(db, mine.Where(r => r.MonthlySaving != null)
            .OrderByDescending(r => r.MonthlySaving).ThenBy(r => r.ResourceId)).Take(Math.Clamp(top, 1, 100)).ToListAsync(ct);
        return new SavingsOverview(totals?.Saving ?? 0m, totals?.Count ?? 0, best);
    }

    /// <summary>Monthly saving per account of the caller (absent: none), for the dashboard's account rows.</summary>
    public async Task<IReadOnlyDictionary<Guid, decimal>> SavingsByAccountAsync(Caller caller, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var savings = await SavingsAsync(db, db.Accounts.Where(a => a.OwnerId == caller.UserId).Select(a => a.Id), ct);
        return savings.ToDictionary(s => s.Key, s => s.Value.MonthlySaving);
    }

    /// <summary>Each of the caller's accounts that has recommendations: known saving, count, and how many nobody can price.</summary>
    public async Task<IReadOnlyDictionary<Guid, AccountSavings>> SavingsDetailByAccountAsync(Caller caller, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await SavingsAsync(db, db.Accounts.Where(a => a.OwnerId == caller.UserId).Select(a => a.Id), ct);
    }

    /// <summary>The savings of each of <paramref name="accountIds"/> that has recommendations (absent: none).</summary>
    internal static Task<Dictionary<Guid, AccountSavings>> SavingsAsync(CostPilotDbContext db, IQueryable<Guid> accountIds, CancellationToken ct) =>
        db.Recommendations.AsNoTracking()
            .Where(r => accountIds.Contains(r.AccountId))
            .GroupBy(r => r.AccountId)
            .Select(g => new { g.Key, Saving = g.Sum(r => r.MonthlySaving) ?? 0m, Count = g.Count(), Unknown = g.Count(r => r.MonthlySaving == null) })
            .ToDictionaryAsync(g => g.Key, g => new AccountSavings(g.Saving, g.Count, g.Unknown), ct);

    internal static UtilizationState StateOf(UtilizationRun? run) => run is null
        ? new UtilizationState(UtilizationStatus.NotCollected, null, null, 0, 0)
        : new UtilizationState(run.Status, run.Message, run.CollectedAt, run.InstancesAsked, run.InstancesWithData);

    private static List<double?> Points(float[] values) => [.. values.Select(v => float.IsNaN(v) ? (double?)null : Math.Round(v, 2))];

    private static IQueryable<StoredRecommendation> Filter(CostPilotDbContext db, Guid accountId, RecommendationQuery query)
    {
        var rows = db.Recommendations.AsNoTracking().Where(r => r.AccountId == accountId);
        if (query.Kind is { } kind)
        {
            rows = rows.Where(r => r.Kind == kind);
        }
        if (query.Risk is { } risk)
        {
            rows = rows.Where(r => r.Risk == risk);
        }
        return rows;
    }

    /// <summary>Unknown savings sort last both ways; ties by resource id, so pages never overlap.</summary>
    private static IOrderedQueryable<StoredRecommendation> Sort(IQueryable<StoredRecommendation> rows, RecommendationQuery query) =>
        (query.SortBy, query.Descending) switch
        {
            (RecommendationSort.Kind, false) => rows.OrderBy(r => r.Kind).ThenByDescending(r => r.MonthlySaving).ThenBy(r => r.ResourceId),
            (RecommendationSort.Kind, true) => rows.OrderByDescending(r => r.Kind).ThenByDescending(r => r.MonthlySaving).ThenBy(r => r.ResourceId),
            (RecommendationSort.Risk, false) => rows.OrderBy(r => r.Risk).ThenByDescending(r => r.MonthlySaving).ThenBy(r => r.ResourceId),
            (RecommendationSort.Risk, true) => rows.OrderByDescending(r => r.Risk).ThenByDescending(r => r.MonthlySaving).ThenBy(r => r.ResourceId),
            (RecommendationSort.Resource, false) => rows.OrderBy(r => r.Name ?? r.ResourceId).ThenBy(r => r.ResourceId),
            (RecommendationSort.Resource, true) => rows.OrderByDescending(r => r.Name ?? r.ResourceId).ThenBy(r => r.ResourceId),
            (RecommendationSort.Region, false) => rows.OrderBy(r => r.Region).ThenByDescending(r => r.MonthlySaving).ThenBy(r => r.ResourceId),
            (RecommendationSort.Region, true) => rows.OrderByDescending(r => r.Region).ThenByDescending(r => r.MonthlySaving).ThenBy(r => r.ResourceId),
            (_, false) => rows.OrderBy(r => r.MonthlySaving == null).ThenBy(r => r.MonthlySaving).ThenBy(r => r.ResourceId),
            _ => rows.OrderBy(r => r.MonthlySaving == null).ThenByDescending(r => r.MonthlySaving).ThenBy(r => r.ResourceId),
        };

    private static IQueryable<RecommendationRow> Project(CostPilotDbContext db, IQueryable<StoredRecommendation> rows) =>
        from r in rows
        join a in db.Accounts on r.AccountId equals a.Id
        select new RecommendationRow(r.Id, r.AccountId, a.Name, r.Kind, r.Resource, r.ResourceId, r.Region, r.Name, r.Current, r.Proposed,
            r.MonthlyCostBefore, r.MonthlyCostAfter, r.MonthlySaving, r.Risk, r.Reason);

    private static Task<bool> OwnsAsync(CostPilotDbContext db, Caller caller, Guid accountId, CancellationToken ct) =>
        db.Accounts.AnyAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct);

    private static long LockKey(Guid accountId) => BitConverter.ToInt64(accountId.ToByteArray(), 4) ^ 0x5245_434F_0000_0000L;

    private static string? Clip(string? text, int length) => text is { } t && t.Length > length ? t[..length] : text;

    private static async Task WriteAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is null)
        {
            await copy.WriteNullAsync(ct);
        }
        else
        {
            await copy.WriteAsync(value, type, ct);
        }
    }
}
