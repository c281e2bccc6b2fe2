using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Security;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>Settings under <c>CostPilot:Discovery</c>.</summary>
public sealed class DiscoveryOptions
{
    public const string Section = "CostPilot:Discovery";

    /// <summary>
    /// "Rescan now" is refused while a discovery is under way and has shown progress within this long (default 3 minutes);
    /// after that the user may start another (the running one's lock still keeps two scans from running at once).
    /// </summary>
    public TimeSpan StalledAfter { get; set; } = TimeSpan.FromMinutes(3);
}

/// <summary>Enqueues discovery jobs, and decides whether a rescan the user asks for may start.</summary>
public sealed class DiscoveryScheduler(
    IBackgroundJobClient jobs,
    NpgsqlDataSource dataSource,
    IOptions<DiscoveryOptions> options,
    ServiceRateLimits limits,
    TimeProvider clock)
{
    /// <summary>Names the job in the dashboard, e.g. "Production (123456789012)".</summary>
    public static string Label(string name, AwsAccountId awsAccountId) => $"{name} ({awsAccountId})";

    public string Enqueue(Guid accountId, string label) =>
        jobs.Enqueue<DiscoveryJob>(j => j.RunAsync(accountId, label, CancellationToken.None));

    /// <summary>
    /// Starts a discovery of <paramref name="account"/> unless one is working on it: under way with recent progress, or
    /// holding the account's lock (alive, if slow). A discovery stalled for <see cref="DiscoveryOptions.StalledAfter"/> with
    /// nobody holding its lock may be restarted. At most <see cref="RateLimitOptions.Rescan"/> rescans per account start.
    /// </summary>
    public async Task<Result> RescanAsync(Account account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(account);
        var stalledAfter = options.Value.StalledAfter;
        if (!account.MayRescan(clock.GetUtcNow(), stalledAfter))
        {
            return ServiceError.Conflict(account.Status == AccountStatus.Interrupted
                ? "This account's scan was interrupted and is resuming by itself."
                : $"A scan of this account is running. If it shows no progress for {Minutes(stalledAfter)}, you can start it again.");
        }
        if (account.IsDiscoveryInProgress && await WorkLease.IsHeldAsync(dataSource, DiscoveryWork.LeaseKey(account.Id), ct))
        {
            return ServiceError.Conflict("A scan of this account is still running on a job server, waiting on AWS. It finishes or fails by itself.");
        }
        // Counted only for a scan that would start: a refusal above costs nothing.
        if (limits.TryRescan(account.Id) is { } limited)
        {
            return limited;
        }
        Enqueue(account.Id, Label(account.Name, account.AwsAccountId));
        return Result.Ok;
    }

    private static string Minutes(TimeSpan span) =>
        span.TotalMinutes >= 2 ? $"{span.TotalMinutes:0} minutes" : span.TotalSeconds >= 60 ? "a minute" : $"{span.TotalSeconds:0} seconds";
}
