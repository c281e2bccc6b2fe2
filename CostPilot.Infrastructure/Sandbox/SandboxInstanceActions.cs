using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Sandbox;

/// <summary>
/// The sample account's EC2 actions in one region, simulated the way EC2 behaves, in seconds rather than minutes
/// (<see cref="SandboxActionOptions"/>). An instance an action touches gets a <see cref="SandboxInstance"/> row, created from the
/// generated fleet's values, that every app node and the next sample discovery read; until then the fleet's instance is what it is.
/// </summary>
/// <remarks>
/// Each action reads, changes and writes its row under <c>SELECT … FOR UPDATE</c> in a transaction, so two nodes acting on one
/// instance take turns and see each other's change. Transitions end by the clock, computed when read: nothing runs in the
/// background. <paramref name="random"/> (values in [0, 1)) is drawn in this order, and only here: a start after a type change
/// draws for a capacity failure, then (when it did not fail) for impaired checks; every stop or start that changes the state
/// then draws once per delay it sets, for its jitter.
/// </remarks>
public sealed class SandboxInstanceActions(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    IInstanceTypeCatalog types,
    SandboxActionOptions options,
    TimeProvider clock,
    Func<double> random,
    Guid accountId,
    string region) : IInstanceActions
{
    /// <summary>Appended to every failure the simulation makes up, so nobody looks for it in AWS.</summary>
    public const string SimulatedNote = "(Simulated by the sample account.)";

    private readonly SandboxActionOptions _options = options?.Error is null
        ? options ?? throw new ArgumentNullException(nameof(options))
        : throw new ArgumentException(options.Error, nameof(options));

    public async Task<ObservedInstance?> DescribeAsync(string instanceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.SandboxInstances.AsNoTracking().SingleOrDefaultAsync(i => i.AccountId == accountId && i.InstanceId == instanceId, ct);
        if (row is not null)
        {
            return row.Region == region ? row.Observe(clock.GetUtcNow()) : null;
        }
        return SandboxFleet.Default.FindInstance(region, instanceId) is { } generated
            ? new ObservedInstance(generated.InstanceId, new InstanceState(generated.State), generated.InstanceType,
                generated.State == InstanceState.Running.Value ? StatusChecks.Ok : StatusChecks.NotApplicable, null)
            : null;
    }

    /// <summary>The sample account allows every action: this only says whether the instance exists.</summary>
    public async Task DryRunAsync(InstanceAction action, string instanceId, string? instanceType, CancellationToken ct)
    {
        if (await DescribeAsync(instanceId, ct) is null)
        {
            throw NotFound(instanceId, $"dry-run {action.IamName()} on");
        }
    }

    /// <summary>running → stopping → stopped; stopping or stopped: nothing to do (as EC2); pending: not now.</summary>
    public Task StopAsync(string instanceId, CancellationToken ct) => ChangeAsync(instanceId, "stop", (row, now) =>
    {
        if (row.State == InstanceState.Running.Value)
        {
            row.BeginStop(now, now + Jittered(_options.StopDelay));
        }
        else if (row.State != InstanceState.Stopping.Value && row.State != InstanceState.Stopped.Value)
        {
            throw new InstanceActionException(ActionFailure.IncorrectState,
                $"Could not stop {instanceId}: the instance '{instanceId}' is not in a state from which it can be stopped (it is {row.State}).");
        }
    }, ct);

    /// <summary>
    /// stopped → pending → running, status checks done a moment later; running or pending: nothing to do; stopping: not now.
    /// A start after CostPilot changed the type may fail for capacity (<see cref="SandboxActionOptions.FailureRate"/>).
    /// </summary>
    public Task StartAsync(string instanceId, CancellationToken ct) => ChangeAsync(instanceId, "start", (row, now) =>
    {
        if (row.State == InstanceState.Running.Value || row.State == InstanceState.Pending.Value)
        {
            return;
        }
        if (row.State != InstanceState.Stopped.Value)
        {
            throw new InstanceActionException(ActionFailure.IncorrectState,
                $"Could not start {instanceId}: the instance '{instanceId}' is not in a state from which it can be started (it is {row.State}).");
        }
        var typeChanged = row.OriginalTypeTag is { } original && original != row.InstanceType;
        if (typeChanged && random() < _options.FailureRate)
        {
            var zone = SandboxFleet.Default.FindInstance(region, instanceId)?.AvailabilityZone;
            throw new InstanceActionException(ActionFailure.InsufficientCapacity,
                $"Could not start {instanceId}: We currently do not have sufficient {row.InstanceType} capacity in the Availability Zone you requested"
                + (zone is null ? "." : $" ({zone}).") + $" {SimulatedNote}");
        }
        var impaired = typeChanged && random() < _options.ImpairedChecksRate;
        var runningAt = now + Jittered(_options.StartDelay);
        row.BeginStart(now, runningAt, runningAt + Jittered(_options.StatusCheckDelay), impaired);
    }, ct);

    /// <summary>Only a stopped instance changes type, and only to a type EC2 knows.</summary>
    public Task ModifyInstanceTypeAsync(string instanceId, string instanceType, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceType);
        if (types.Find(instanceType) is null)
        {
            throw new InstanceActionException(ActionFailure.Rejected,
                $"Could not change the type of {instanceId}: Value ({instanceType}) for parameter instanceType is invalid. Unknown instance type.");
        }
        return ChangeAsync(instanceId, "change the type of", (row, now) =>
        {
            if (row.State != InstanceState.Stopped.Value)
            {
                throw new InstanceActionException(ActionFailure.IncorrectState,
                    $"Could not change the type of {instanceId} to {instanceType}: the instance '{instanceId}' is not in the 'stopped' state (it is {row.State}).");
            }
            row.ChangeType(instanceType, now);
        }, ct);
    }

    public Task TagOriginalTypeAsync(string instanceId, string originalType, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(originalType);
        return ChangeAsync(instanceId, "tag", (row, now) => row.TagOriginalType(originalType, now), ct);
    }

    /// <summary>
    /// Creates the instance's row from the generated fleet if it has none (a no-op when another node just did), then locks it,
    /// settles it by the clock, applies <paramref name="change"/> (which may throw: then nothing is written) and commits.
    /// </summary>
    private async Task ChangeAsync(string instanceId, string what, Action<SandboxInstance, DateTimeOffset> change, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (SandboxFleet.Default.FindInstance(region, instanceId) is { } generated)
        {
            var at = clock.GetUtcNow();
            var since = SandboxInventorySource.WithStateChange(generated, new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero)).StateChangedAt ?? at;
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO sandbox_instances (account_id, instance_id, region, instance_type, state, state_since, checks_impaired, updated_at)
                VALUES ({accountId}, {instanceId}, {region}, {generated.InstanceType}, {generated.State}, {since}, false, {at})
                ON CONFLICT (account_id, instance_id) DO NOTHING
                """, ct);
        }
        var rows = await db.SandboxInstances
            .FromSql($"SELECT * FROM sandbox_instances WHERE account_id = {accountId} AND instance_id = {instanceId} FOR UPDATE")
            .ToListAsync(ct);
        if (rows is not [{ } row] || row.Region != region)
        {
            throw NotFound(instanceId, what);
        }
        // Read after the lock: a node that waited for another acts when it gets the row, on the row as the other left it.
        var now = clock.GetUtcNow();
        row.Settle(now);
        change(row, now);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary><paramref name="delay"/> varied by up to <see cref="SandboxActionOptions.Jitter"/> either way, to the millisecond.</summary>
    private TimeSpan Jittered(TimeSpan delay)
    {
        var factor = 1 + _options.Jitter * (2 * random() - 1);
        return TimeSpan.FromMilliseconds(Math.Round(delay.TotalMilliseconds * factor));
    }

    private InstanceActionException NotFound(string instanceId, string what) =>
        new(ActionFailure.NotFound, $"Could not {what} {instanceId}: the instance ID '{instanceId}' does not exist in {region}.");
}
