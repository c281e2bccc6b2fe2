using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CostPilot.Tests.Infrastructure.Optimization;

/// <summary>A running instance in the fake EC2, known to CostPilot with a recommendation to apply on it.</summary>
public sealed record ExperimentTarget(Caller Caller, Guid AccountId, FakeCustomer Customer, FakeRegion Region, FakeInstance Instance,
    RecommendationKind Kind, string FromType, string? ToType)
{
    public string InstanceId => Instance.InstanceId;

    /// <summary>The requests of this target's AWS account that change something (not dry runs): stop, start, modify, tag.</summary>
    public IReadOnlyList<FakeRequest> Changes(FakeAwsServer fake) =>
        [.. fake.Requests.Where(r => r.AccountId == Customer.AccountId && ExperimentApp.Mutating.Contains(r.Action)
            && r.Parameters.GetValueOrDefault("DryRun") != "true")];

    /// <summary>This target's dry runs, by action.</summary>
    public IReadOnlyList<string> DryRuns(FakeAwsServer fake) =>
        [.. fake.Requests.Where(r => r.AccountId == Customer.AccountId && r.Parameters.GetValueOrDefault("DryRun") == "true").Select(r => r.Action)];
}

/// <summary>
/// The real app on the fake AWS endpoint, on a <see cref="VirtualClock"/> shared by the fake EC2 and by the optimization
/// service, the experiment job and the availability service this fixture builds (each the real class from the app's DI, with
/// only its clock, and where a test says so its options, replaced). The job runs as Hangfire would run it, called directly: no
/// job server runs. Times are exact and a whole experiment takes milliseconds of real time.
/// </summary>
public sealed class ExperimentApp : FakeAwsAppFactory
{
    public const string RegionName = "us-east-1";
    public const decimal CostBefore = 140.16m;
    public const decimal CostAfter = 70.08m;

    /// <summary>What the inventory says the instance costs now (prices moved since the advice): not what an experiment records.</summary>
    public const decimal InventoryCost = 141.62m;

    /// <summary>Polls every 200 ms; EC2 stops in 2 s, starts in 1.6 s, passes its checks 1 s later: all whole polls.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan StopDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan StartDelay = TimeSpan.FromMilliseconds(1600);
    public static readonly TimeSpan StatusCheckDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A job not finished after this much virtual time is looping: the test fails instead of hanging. (No experiment here
    /// waits anywhere near that long; tests that wait for a bound set it to seconds.)
    /// </summary>
    public static readonly TimeSpan VirtualTimeLimit = TimeSpan.FromMinutes(2);

    public static readonly HashSet<string> Mutating = ["StopInstances", "StartInstances", "ModifyInstanceAttribute", "CreateTags"];

    private int _instances;

    public ExperimentApp()
    {
        Settings["CostPilot:Sandbox:PageDelayMs"] = "0";
        // The job's own polls retry what fails; the SDK's retries would only add its real-time backoff to a test on virtual time.
        Settings["CostPilot:Aws:MaxErrorRetry"] = "0";
        Settings["CostPilot:Utilization:MinInterval"] = "00:00:00";
    }

    public VirtualClock Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero));

    protected override TimeProvider? FakeClock => Clock;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Fake.StopDelay = StopDelay;
        Fake.StartDelay = StartDelay;
        Fake.StatusCheckDelay = StatusCheckDelay;
    }

    public static ExperimentOptions FastOptions() => new() { PollInterval = PollInterval };

    public OptimizationService Optimization => ActivatorUtilities.CreateInstance<OptimizationService>(Services, Clock);

    public AvailabilityService Availability => ActivatorUtilities.CreateInstance<AvailabilityService>(Services, Clock);

    /// <summary>The app's experiment job on the virtual clock, with <paramref name="options"/> (default: <see cref="FastOptions"/>).</summary>
    public ExperimentJob Job(ExperimentOptions? options = null, IInstanceActionsFactory? actions = null) =>
        actions is null
            ? ActivatorUtilities.CreateInstance<ExperimentJob>(Services, Clock, Options.Create(options ?? FastOptions()))
            : ActivatorUtilities.CreateInstance<ExperimentJob>(Services, Clock, Options.Create(options ?? FastOptions()), actions);

    /// <summary>
    /// A new customer (a new user and AWS account, connected with access keys) with one running <paramref name="fromType"/> in
    /// the fake EC2, in CostPilot's inventory (at $141.62 a month), and the recommendation of <paramref name="kind"/> on it: from
    /// $140.16 to $70.08 a month as <paramref name="toType"/> (a rightsize), or to stop it (idle).
    /// </summary>
    public async Task<ExperimentTarget> TargetAsync(RecommendationKind kind = RecommendationKind.Rightsize, string fromType = "m5.xlarge",
        string toType = "m5.large")
    {
        var customer = AddCustomer();
        var n = Interlocked.Increment(ref _instances);
        var instance = new FakeInstance($"i-{n:x17}") { InstanceType = fromType, Tags = new Dictionary<string, string> { ["Name"] = $"web-{n}" } };
        var region = customer.Account.Region(RegionName);
        region.AddInstances([instance]);
        var (caller, accountId) = await ConnectNewUserAsync(customer);
        var inventory = new CostInventory(ConnectionString);
        await inventory.InstanceAsync(accountId, instance.InstanceId, RegionName, fromType, "running", InventoryCost / 730m, InventoryCost, "on-demand",
            name: $"web-{n}");
        var resize = kind != RecommendationKind.Idle;
        await inventory.RecommendationAsync(accountId, kind.Slug(), "Instance", instance.InstanceId, RegionName, CostBefore, resize ? CostAfter : 0m,
            current: resize ? fromType : $"{fromType} · running", proposed: resize ? toType : "stopped");
        return new ExperimentTarget(caller, accountId, customer, region, instance, kind, fromType, resize ? toType : null);
    }

    /// <summary>Applies the target's recommendation through the service; returns the experiment's id.</summary>
    public async Task<Guid> ApplyAsync(ExperimentTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var applied = await Optimization.ApplyAsync(target.Caller, target.AccountId, target.InstanceId, target.Kind);
        Assert.True(applied.Succeeded, applied.Error?.Message);
        return applied.Value;
    }

    /// <summary>
    /// Runs the experiment's job to its end (or until <paramref name="ct"/> cuts it off, which throws). A job still going after
    /// <see cref="VirtualTimeLimit"/> fails the test.
    /// </summary>
    public async Task RunJobAsync(Guid experimentId, ExperimentJob? job = null, CancellationToken ct = default)
    {
        job ??= Job();
        var limit = Clock.GetUtcNow() + VirtualTimeLimit;
        using var run = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var hook = Clock.OnWait;
        var looping = false;
        Clock.OnWait = () =>
        {
            if (Clock.GetUtcNow() > limit)
            {
                looping = true;
                run.Cancel();
                return false;
            }
            return hook?.Invoke() ?? true;
        };
        try
        {
            await job.RunAsync(experimentId, "test", run.Token);
        }
        catch (OperationCanceledException) when (looping)
        {
            Assert.Fail($"The job of experiment {experimentId} was still going after {VirtualTimeLimit} of virtual time.");
        }
        finally
        {
            Clock.OnWait = hook;
        }
    }

    /// <summary>Runs the job until the clock's next wait after <paramref name="cutOff"/> holds, and cuts it off there (as a server shutting down).</summary>
    public async Task RunJobUntilAsync(Guid experimentId, Func<bool> cutOff, ExperimentJob? job = null)
    {
        using var shutdown = new CancellationTokenSource();
        Clock.OnWait = () =>
        {
            if (!cutOff())
            {
                return true;
            }
            shutdown.Cancel();
            return false;
        };
        try
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunJobAsync(experimentId, job, shutdown.Token));
        }
        finally
        {
            Clock.OnWait = null;
        }
    }

    public async Task<Experiment> ExperimentAsync(Guid id)
    {
        await using var db = await CreateDbContextAsync();
        return await db.Experiments.AsNoTracking().SingleAsync(e => e.Id == id);
    }

    public async Task<IReadOnlyList<DowntimeLog>> DowntimeAsync(Guid experimentId)
    {
        await using var db = await CreateDbContextAsync();
        return await db.DowntimeLogs.AsNoTracking().Where(d => d.ExperimentId == experimentId).OrderBy(d => d.StartedAt).ToListAsync();
    }
}
