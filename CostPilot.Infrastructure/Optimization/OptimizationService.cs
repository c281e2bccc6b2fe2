using System.Runtime.CompilerServices;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Infrastructure.Optimization;

/// <summary>
/// Applying recommendations and the optimization history: what an apply would do (for the confirmation), starting the
/// experiment, and reading experiments back with their downtime and realized savings. A client sees and applies only on their
/// own accounts.
/// </summary>
public sealed class OptimizationService(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    ExperimentScheduler scheduler,
    AvailabilityService availability,
    AccountEventPublisher events,
    IOptions<ExperimentOptions> options,
    AuditTrail audit,
    TimeProvider clock)
{
    private const string UniqueViolation = "23505";
    private static readonly ServiceError NotYours = ServiceError.NotFound("That account does not exist or is not yours.");

    /// <summary>The confirmation's content for applying the account's <paramref name="kind"/> recommendation on <paramref name="instanceId"/>.</summary>
    public async Task<Result<ApplyPreview>> PreviewAsync(Caller caller, Guid accountId, string instanceId, RecommendationKind kind, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await FindAsync(db, caller, accountId, instanceId, kind, ct);
        if (!found.Succeeded)
        {
            return found.Error;
        }
        var (account, recommendation, instance) = found.Value;
        var action = ExperimentStates.ActionFor(kind)!.Value;
        var (expected, past) = await ExpectedDowntimeAsync(db, caller, kind, ct);
        var report = await availability.GetAsync(caller, accountId, ct);
        if (!report.Succeeded)
        {
            return report.Error;
        }
        // Stopping an idle instance is the change asked for: it takes nothing from the SLA budget.
        var counted = action == ExperimentAction.Stop ? TimeSpan.Zero : expected;
        var blocked = await BlockedAsync(db, account, instance, ct);
        return new ApplyPreview(accountId, instance.InstanceId, instance.Name, instance.Region, kind, action, instance.InstanceType.Value,
            action == ExperimentAction.Resize ? recommendation.Proposed : null, recommendation.MonthlyCostBefore, recommendation.MonthlyCostAfter,
            recommendation.MonthlySaving, counted, past > 0, past, report.Value.TargetPercent, report.Value.RemainingFor(instance.InstanceId),
            report.Value.WouldExceed(instance.InstanceId, counted), Caveat(kind, instance), blocked);
    }

    /// <summary>Starts applying the recommendation: records the experiment (planned) and enqueues its job. Returns its id.</summary>
    public async Task<Result<Guid>> ApplyAsync(Caller caller, Guid accountId, string instanceId, RecommendationKind kind, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await FindAsync(db, caller, accountId, instanceId, kind, ct);
        if (!found.Succeeded)
        {
            return found.Error;
        }
        var (account, recommendation, instance) = found.Value;
        if (await BlockedAsync(db, account, instance, ct) is { } blocked)
        {
            return ServiceError.Conflict(blocked);
        }
        var action = ExperimentStates.ActionFor(kind)!.Value;
        var (expected, _) = await ExpectedDowntimeAsync(db, caller, kind, ct);
        var who = await db.Users.AsNoTracking().Where(u => u.Id == caller.UserId).Select(u => u.Email).SingleOrDefaultAsync(ct);
        var experiment = new Experiment(accountId, instance.Region, instance.InstanceId, instance.Name, kind, instance.InstanceType.Value,
            action == ExperimentAction.Resize ? recommendation.Proposed : null, recommendation.MonthlyCostBefore, recommendation.MonthlyCostAfter,
            action == ExperimentAction.Stop ? TimeSpan.Zero : expected, caller.UserId, who ?? caller.UserId, clock.GetUtcNow());
        db.Experiments.Add(experiment);
        db.AuditEvents.Add(audit.Entry(caller, AuditActions.RecommendationApplied, AuditTargets.Experiment, experiment.Id.ToString(), instance.InstanceId,
            $"{kind.Title()} on {instance.InstanceId} ({account.Name}): {experiment.FromType}" + (experiment.ToType is { } to ? $" → {to}" : " → stopped")));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: UniqueViolation })
        {
            // Another apply on this instance won the race: the database keeps one under way per instance.
            return ServiceError.Conflict($"An experiment is already under way on {instanceId}. Wait for it to finish.");
        }
        scheduler.Enqueue(experiment.Id, ExperimentScheduler.Label(experiment));
        await events.PublishAsync(AccountEvent.ExperimentChanged(account, experiment, clock.GetUtcNow()), ct);
        return experiment.Id;
    }

    /// <summary>The history: the caller's experiments, newest first, filtered by account and state.</summary>
    public async Task<Result<ExperimentPage>> QueryAsync(Caller caller, ExperimentQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (query.AccountId is { } accountId && !await db.Accounts.AnyAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct))
        {
            return NotYours;
        }
        var filtered = Filter(db, caller, query);
        var total = await filtered.CountAsync(ct);
        var page = await filtered.OrderByDescending(x => x.Experiment.CreatedAt).ThenByDescending(x => x.Experiment.Id)
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, ExperimentQuery.MaxTake)).ToListAsync(ct);
        return new ExperimentPage(await RowsAsync(db, page, ct), total);
    }

    /// <summary>Every experiment the query matches, newest first, for the CSV export (nothing for another client's account).</summary>
    public async IAsyncEnumerable<ExperimentRow> StreamAsync(Caller caller, ExperimentQuery query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ordered = Filter(db, caller, query).OrderByDescending(x => x.Experiment.CreatedAt).ThenByDescending(x => x.Experiment.Id);
        for (var skip = 0; ; skip += ExperimentQuery.MaxTake)
        {
            var page = await ordered.Skip(skip).Take(ExperimentQuery.MaxTake).ToListAsync(ct);
            foreach (var row in await RowsAsync(db, page, ct))
            {
                yield return row;
            }
            if (page.Count < ExperimentQuery.MaxTake)
            {
                yield break;
            }
        }
    }

    /// <summary>Realized savings this month and overall, outcomes and this month's downtime, for one account or all the caller's.</summary>
    public async Task<Result<ExperimentTotals>> GetTotalsAsync(Caller caller, Guid? accountId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (accountId is { } id && !await db.Accounts.AnyAsync(a => a.Id == id && a.OwnerId == caller.UserId, ct))
        {
            return NotYours;
        }
        var experiments = Filter(db, caller, new ExperimentQuery(accountId)).Select(x => x.Experiment);
        var byState = await experiments.GroupBy(e => e.State).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var monthStart = MonthStart(clock.GetUtcNow());
        var succeeded = experiments.Where(e => e.State == ExperimentState.Succeeded && e.MonthlyCostBefore != null && e.MonthlyCostAfter != null);
        var overall = await succeeded.SumAsync(e => e.MonthlyCostBefore!.Value - e.MonthlyCostAfter!.Value, ct);
        var thisMonth = await succeeded.Where(e => e.CompletedAt >= monthStart).SumAsync(e => e.MonthlyCostBefore!.Value - e.MonthlyCostAfter!.Value, ct);
        var ids = experiments.Select(e => e.Id);
        var now = clock.GetUtcNow();
        var downtime = await db.DowntimeLogs.AsNoTracking()
            .Where(d => d.ExperimentId != null && ids.Contains(d.ExperimentId.Value) && (d.EndedAt == null || d.EndedAt > monthStart))
            .Select(d => new { d.StartedAt, d.EndedAt }).ToListAsync(ct);
        var down = downtime.Aggregate(TimeSpan.Zero, (sum, d) => sum + ((d.EndedAt ?? now) - (d.StartedAt < monthStart ? monthStart : d.StartedAt)));
        return new ExperimentTotals(thisMonth, overall, byState.Values.Sum(), byState.GetValueOrDefault(ExperimentState.Succeeded),
            byState.GetValueOrDefault(ExperimentState.RolledBack), byState.GetValueOrDefault(ExperimentState.Failed),
            byState.Where(s => !s.Key.IsFinished()).Sum(s => s.Value), down);
    }

    /// <summary>One experiment of the caller's, with its steps.</summary>
    public async Task<Result<ExperimentRow>> GetAsync(Caller caller, Guid experimentId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await Filter(db, caller, new ExperimentQuery()).Where(x => x.Experiment.Id == experimentId).ToListAsync(ct);
        return found.Count == 0 ? ServiceError.NotFound("That experiment does not exist or is not yours.") : (await RowsAsync(db, found, ct))[0];
    }

    /// <summary>The latest experiment of each of the account's instances that has one (for the recommendation list's Apply column).</summary>
    public async Task<Result<IReadOnlyDictionary<string, InstanceExperiment>>> LatestByInstanceAsync(Caller caller, Guid accountId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct))
        {
            return NotYours;
        }
        var latest = await db.Experiments.AsNoTracking().Where(e => e.AccountId == accountId)
            .GroupBy(e => e.InstanceId)
            .Select(g => g.OrderByDescending(e => e.CreatedAt).First())
            .ToListAsync(ct);
        return latest.ToDictionary(e => e.InstanceId,
            e => new InstanceExperiment(e.Id, e.InstanceId, e.Kind, e.FromType, e.State, e.CurrentStep?.Note ?? e.Message, e.CreatedAt), StringComparer.Ordinal);
    }

    private static DateTimeOffset MonthStart(DateTimeOffset now) => new(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An experiment and its account's name. Member-initialized, not a positional record: EF translates filters and sorts on
    /// the members of a member-init projection, never on a constructor's arguments.</summary>
    private sealed class Joined
    {
        public required Experiment Experiment { get; init; }
        public required string AccountName { get; init; }
    }

    private static IQueryable<Joined> Filter(CostPilotDbContext db, Caller caller, ExperimentQuery query)
    {
        var rows = from e in db.Experiments.AsNoTracking()
                   join a in db.Accounts.AsNoTracking() on e.AccountId equals a.Id
                   where a.OwnerId == caller.UserId
                   select new Joined { Experiment = e, AccountName = a.Name };
        if (query.AccountId is { } accountId)
        {
            rows = rows.Where(x => x.Experiment.AccountId == accountId);
        }
        if (query.State is { } state)
        {
            rows = rows.Where(x => x.Experiment.State == state);
        }
        return rows;
    }

    private async Task<IReadOnlyList<ExperimentRow>> RowsAsync(CostPilotDbContext db, IReadOnlyList<Joined> page, CancellationToken ct)
    {
        var ids = page.Select(x => x.Experiment.Id).ToList();
        var now = clock.GetUtcNow();
        var downtime = (await db.DowntimeLogs.AsNoTracking().Where(d => d.ExperimentId != null && ids.Contains(d.ExperimentId.Value))
                .Select(d => new { Id = d.ExperimentId!.Value, d.StartedAt, d.EndedAt }).ToListAsync(ct))
            .GroupBy(d => d.Id)
            .ToDictionary(g => g.Key, g => g.Aggregate(TimeSpan.Zero, (sum, d) => sum + ((d.EndedAt ?? now) - d.StartedAt)));
        return [.. page.Select(x =>
        {
            var e = x.Experiment;
            return new ExperimentRow(e.Id, e.AccountId, x.AccountName, e.InstanceId, e.InstanceName, e.Region, e.Kind, e.FromType, e.ToType,
                e.State, e.MonthlyCostBefore, e.MonthlyCostAfter, e.RealizedMonthlySaving, downtime.GetValueOrDefault(e.Id), e.ExpectedDowntime,
                e.RequestedByName, e.CreatedAt, e.StartedAt, e.CompletedAt, e.Message, e.Attempts, e.Steps);
        })];
    }

    private static async Task<Result<(Account Account, Recommendations.StoredRecommendation Recommendation, Instance Instance)>> FindAsync(
        CostPilotDbContext db, Caller caller, Guid accountId, string instanceId, RecommendationKind kind, CancellationToken ct)
    {
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId && a.OwnerId == caller.UserId, ct);
        if (account is null)
        {
            return NotYours;
        }
        if (ExperimentStates.ActionFor(kind) is null)
        {
            return ServiceError.Invalid($"CostPilot does not apply \"{kind.Title()}\" recommendations itself; the recommendation says what to do.");
        }
        var recommendation = await db.Recommendations.AsNoTracking()
            .FirstOrDefaultAsync(r => r.AccountId == accountId && r.ResourceId == instanceId && r.Kind == kind, ct);
        var instance = await db.Instances.AsNoTracking()
            .FirstOrDefaultAsync(i => i.AccountId == accountId && i.InstanceId == instanceId && i.GoneAt == null, ct);
        if (recommendation is null || instance is null)
        {
            return ServiceError.NotFound("That recommendation is no longer current (a newer scan replaced it). Reload the list.");
        }
        // The advice is about the type the instance had when it was made ("m5.xlarge", "m5.xlarge · running"). Changed since (in the
        // console, or already applied), the advice no longer holds: a resize would start from a type nobody measured.
        var madeFor = recommendation.Current.Split(' ', 2)[0];
        if (madeFor != instance.InstanceType.Value)
        {
            return ServiceError.NotFound(
                $"That recommendation is no longer current: {instanceId} is a {instance.InstanceType.Value} now, not the {madeFor} it was made for. The next scan brings fresh advice.");
        }
        return (account, recommendation, instance);
    }

    private static async Task<string?> BlockedAsync(CostPilotDbContext db, Account account, Instance instance, CancellationToken ct)
    {
        var unfinished = ExperimentStates.Unfinished.ToList();
        if (await db.Experiments.AnyAsync(e => e.AccountId == account.Id && e.InstanceId == instance.InstanceId && unfinished.Contains(e.State), ct))
        {
            return $"An experiment is already under way on {instance.InstanceId}. Wait for it to finish.";
        }
        if (instance.State != InstanceState.Running)
        {
            return $"{instance.InstanceId} is {instance.State}, not running: CostPilot applies changes to running instances only.";
        }
        return null;
    }

    /// <summary>The median downtime of the caller's finished experiments of the kind, or the default when there are none yet.</summary>
    private async Task<(TimeSpan Expected, int Past)> ExpectedDowntimeAsync(CostPilotDbContext db, Caller caller, RecommendationKind kind, CancellationToken ct)
    {
        var past = await (
            from e in db.Experiments.AsNoTracking()
            join a in db.Accounts.AsNoTracking() on e.AccountId equals a.Id
            where a.OwnerId == caller.UserId && e.Kind == kind && e.State == ExperimentState.Succeeded
            join d in db.DowntimeLogs.AsNoTracking() on e.Id equals d.ExperimentId
            where d.Seconds != null
            group d by e.Id into g
            select g.Sum(d => d.Seconds!.Value)).ToListAsync(ct);
        if (past.Count == 0)
        {
            return (options.Value.DefaultExpectedDowntime, 0);
        }
        past.Sort();
        var middle = past.Count / 2;
        var median = past.Count % 2 == 1 ? past[middle] : (past[middle - 1] + past[middle]) / 2.0;
        return (TimeSpan.FromSeconds(median), past.Count);
    }

    private static string? Caveat(RecommendationKind kind, Instance instance) => kind switch
    {
        RecommendationKind.Graviton =>
            $"Graviton runs arm64 only: the image of {instance.InstanceId} ({instance.Architecture} today) must be built for arm64. If it is not, EC2 refuses the change or the status checks fail, and CostPilot rolls back.",
        RecommendationKind.Modernize =>
            "Current generations need the ENA and NVMe drivers in the image (Amazon Linux 2 and current Windows AMIs have them). If the instance does not pass its status checks, CostPilot rolls back.",
        RecommendationKind.Idle =>
            "The instance stays stopped (its EBS volumes stay and are still billed). Start it again from the EC2 console when needed.",
        _ => null,
    };
}
