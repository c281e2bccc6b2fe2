using System.Globalization;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Logging;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Utilization;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Jobs;

/// <summary>CostPilot's long-running kinds of job, the ones the admin Jobs page shows.</summary>
public enum AdminJobKind
{
    Discovery,
    Utilization,
    Experiment,
}

/// <summary>Where a job on the admin Jobs page stands.</summary>
public enum AdminJobState
{
    Failed,
    Processing,
}

/// <summary>What the Jobs page asks for: one account's jobs, one state (null: both).</summary>
public sealed record AdminJobQuery(Guid? AccountId = null, AdminJobState? State = null);

/// <summary>
/// One failed or processing job: its kind, the account it works for (an experiment's account), what went wrong (exception type and
/// the first line of its message, secrets masked; never a stack trace), how often Hangfire retried it by itself, and when it
/// failed or started. The account is null when it was removed since.
/// </summary>
public sealed record AdminJobRow(
    string JobId,
    AdminJobKind Kind,
    AdminJobState State,
    Guid? AccountId,
    string? AccountName,
    string? OwnerEmail,
    string? Error,
    int RetryCount,
    DateTimeOffset? At)
{
    /// <summary>"discovery of Production", as the audit trail names the job.</summary>
    public string Label => $"{Kind.ToString().ToLowerInvariant()} of {AccountName ?? "a removed account"}";
}

/// <summary>
/// The admin console's view of CostPilot's long-running jobs (discovery, utilization, experiments) through Hangfire's monitoring
/// API: the failed and processing ones, with the account each works for; a failed one can be retried or deleted, and both are
/// audited. Administrators only, on every method. The full dashboard stays at /hangfire.
/// </summary>
public sealed class AdminJobService(
    JobStorage storage,
    IBackgroundJobClient jobs,
    IDbContextFactory<CostPilotDbContext> dbFactory,
    AuditTrail audit)
{
    /// <summary>The newest jobs read of each state; older ones are in the Hangfire dashboard.</summary>
    public const int MaxJobsPerState = 500;

    /// <summary>The longest error summary shown; the full one is in the dashboard (admins only).</summary>
    public const int MaxErrorLength = 500;

    private const string NotFailedAnyMore = "This job is not failed any more: someone retried or deleted it meanwhile.";

    /// <summary>Failed jobs first, then processing ones; newest first within each.</summary>
    public async Task<Result<IReadOnlyList<AdminJobRow>>> ListAsync(Caller caller, AdminJobQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        var found = new List<FoundJob>();
        var monitoring = storage.GetMonitoringApi();
        if (query.State is null or AdminJobState.Failed)
        {
            foreach (var (id, dto) in monitoring.FailedJobs(0, MaxJobsPerState))
            {
                if (dto is { InFailedState: true } && Identify(dto.Job) is { } target)
                {
                    found.Add(new FoundJob(id, target.Kind, AdminJobState.Failed, target.Id, Summary(dto.ExceptionType, dto.ExceptionMessage),
                        Utc(dto.FailedAt)));
                }
            }
        }
        if (query.State is null or AdminJobState.Processing)
        {
            foreach (var (id, dto) in monitoring.ProcessingJobs(0, MaxJobsPerState))
            {
                if (dto is { InProcessingState: true } && Identify(dto.Job) is { } target)
                {
                    found.Add(new FoundJob(id, target.Kind, AdminJobState.Processing, target.Id, null, Utc(dto.StartedAt)));
                }
            }
        }
        var accounts = await AccountsOfAsync(found, ct);
        var rows = new List<AdminJobRow>();
        using (var connection = storage.GetConnection())
        {
            foreach (var job in found)
            {
                var account = accounts.TryGetValue((job.Kind, job.TargetId), out var a) ? a : null;
                if (query.AccountId is { } wanted && account?.Id != wanted)
                {
                    continue;
                }
                rows.Add(new AdminJobRow(job.Id, job.Kind, job.State, account?.Id, account?.Name, account?.OwnerEmail, job.Error,
                    RetryCount(connection.GetJobParameter(job.Id, "RetryCount")), job.At));
            }
        }
        return rows;
    }

    /// <summary>Puts a failed job back in its queue; a job that is not failed (any more) is a conflict.</summary>
    public Task<Result> RetryAsync(Caller caller, string jobId, CancellationToken ct = default) =>
        ActOnFailedAsync(caller, jobId, AuditActions.JobRetried, id => jobs.Requeue(id, FailedState.StateName), ct);

    /// <summary>Deletes a failed job (Hangfire keeps it as deleted for a while); a job that is not failed (any more) is a conflict.</summary>
    public Task<Result> DeleteAsync(Caller caller, string jobId, CancellationToken ct = default) =>
        ActOnFailedAsync(caller, jobId, AuditActions.JobDeleted, id => jobs.Delete(id, FailedState.StateName), ct);

    /// <summary>
    /// An admin's action on a failed job: <paramref name="change"/> moves it only from Failed, in one step, so a job someone else
    /// retried or deleted meanwhile is left alone (and the answer is a conflict). Audited once it happened.
    /// </summary>
    private async Task<Result> ActOnFailedAsync(Caller caller, string jobId, string action, Func<string, bool> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        var failed = await FindFailedAsync(jobId, ct);
        if (!failed.Succeeded)
        {
            return failed.Error;
        }
        if (!change(jobId))
        {
            return ServiceError.Conflict(NotFailedAnyMore);
        }
        await audit.RecordAsync(caller, action, AuditTargets.Job, jobId, failed.Value.Label, failed.Value.Error, ct);
        return Result.Ok;
    }

    /// <summary>Where one of CostPilot's jobs stands now, as Hangfire names it ("Enqueued", "Processing", "Succeeded", "Failed", ...).</summary>
    public Task<Result<string>> StateOfAsync(Caller caller, string jobId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ct.ThrowIfCancellationRequested();
        if (caller.AdminError() is { } denied)
        {
            return Task.FromResult<Result<string>>(denied);
        }
        using var connection = storage.GetConnection();
        var data = IsJobId(jobId) ? connection.GetJobData(jobId) : null;
        return Task.FromResult<Result<string>>(data is null || Identify(data.Job) is null
            ? ServiceError.NotFound("No such job.")
            : data.State ?? "Unknown");
    }

    /// <summary>The failed job <paramref name="jobId"/>, one of CostPilot's kinds, as the page lists it.</summary>
    private async Task<Result<AdminJobRow>> FindFailedAsync(string jobId, CancellationToken ct)
    {
        string? state;
        Target? target;
        string? error = null;
        using (var connection = storage.GetConnection())
        {
            var data = IsJobId(jobId) ? connection.GetJobData(jobId) : null;
            target = data is null ? null : Identify(data.Job);
            if (data is null || target is null)
            {
                return ServiceError.NotFound("No such job.");
            }
            state = data.State;
            if (state == FailedState.StateName && connection.GetStateData(jobId) is { } failed)
            {
                error = Summary(failed.Data.TryGetValue("ExceptionType", out var type) ? type : null,
                    failed.Data.TryGetValue("ExceptionMessage", out var message) ? message : null);
            }
        }
        if (state != FailedState.StateName)
        {
            return ServiceError.Conflict(NotFailedAnyMore);
        }
        var job = new FoundJob(jobId, target.Kind, AdminJobState.Failed, target.Id, error, null);
        var account = (await AccountsOfAsync([job], ct)).GetValueOrDefault((job.Kind, job.TargetId));
        return new AdminJobRow(jobId, job.Kind, job.State, account?.Id, account?.Name, account?.OwnerEmail, error, 0, null);
    }

    /// <summary>The account (with its owner's e-mail) each job works for: its argument, or for an experiment the experiment's account.</summary>
    private async Task<Dictionary<(AdminJobKind, Guid), JobAccount>> AccountsOfAsync(IReadOnlyCollection<FoundJob> found, CancellationToken ct)
    {
        var result = new Dictionary<(AdminJobKind, Guid), JobAccount>();
        if (found.Count == 0)
        {
            return result;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experimentIds = found.Where(j => j.Kind == AdminJobKind.Experiment).Select(j => j.TargetId).Distinct().ToList();
        var experiments = await db.Experiments.AsNoTracking().Where(e => experimentIds.Contains(e.Id))
            .Select(e => new { e.Id, e.AccountId }).ToDictionaryAsync(e => e.Id, e => e.AccountId, ct);
        var accountIds = found.Where(j => j.Kind != AdminJobKind.Experiment).Select(j => j.TargetId).Concat(experiments.Values).Distinct().ToList();
        var accounts = await (
                from a in db.Accounts.AsNoTracking()
                where accountIds.Contains(a.Id)
                join u in db.Users on a.OwnerId equals u.Id into owners
                from owner in owners.DefaultIfEmpty()
                select new JobAccount(a.Id, a.Name, owner.Email))
            .ToDictionaryAsync(a => a.Id, ct);
        foreach (var job in found)
        {
            var accountId = job.Kind == AdminJobKind.Experiment ? experiments.GetValueOrDefault(job.TargetId) : job.TargetId;
            if (accounts.TryGetValue(accountId, out var account))
            {
                result[(job.Kind, job.TargetId)] = account;
            }
        }
        return result;
    }

    /// <summary>Which of CostPilot's long-running kinds the job is, and the id it works on; null for any other job.</summary>
    private static Target? Identify(Job? job)
    {
        var kind = job?.Type switch
        {
            { } t when t == typeof(DiscoveryJob) => AdminJobKind.Discovery,
            { } t when t == typeof(UtilizationJob) => AdminJobKind.Utilization,
            { } t when t == typeof(ExperimentJob) => AdminJobKind.Experiment,
            _ => (AdminJobKind?)null,
        };
        return kind is { } k && job!.Args.Count > 0 && job.Args[0] is Guid id ? new Target(k, id) : null;
    }

    /// <summary>"DiscoveryFailedException: Access denied for ec2:DescribeRegions…": the type's short name and the message's first line.</summary>
    internal static string? Summary(string? exceptionType, string? message)
    {
        if (string.IsNullOrWhiteSpace(exceptionType) && string.IsNullOrWhiteSpace(message))
        {
            return null;
        }
        var type = exceptionType?.Split(',')[0].Trim() ?? "";
        type = type[(type.LastIndexOf('.') + 1)..];
        var firstLine = (message ?? "").Split('\n', 2)[0].Trim();
        var text = SecretScrubber.Scrub(type.Length == 0 ? firstLine : firstLine.Length == 0 ? type : $"{type}: {firstLine}");
        return text.Length <= MaxErrorLength ? text : text[..(MaxErrorLength - 1)] + "…";
    }

    private static int RetryCount(string? parameter) =>
        int.TryParse(parameter, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : 0;

    // Hangfire.PostgreSql's job ids are numbers; anything else would only reach the database to find nothing.
    private static bool IsJobId(string? jobId) => long.TryParse(jobId, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static DateTimeOffset? Utc(DateTime? at) => at is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    private sealed record Target(AdminJobKind Kind, Guid Id);

    private sealed record FoundJob(string Id, AdminJobKind Kind, AdminJobState State, Guid TargetId, string? Error, DateTimeOffset? At);

    private sealed record JobAccount(Guid Id, string Name, string? OwnerEmail);
}
