namespace CostPilot.Infrastructure.Optimization;

/// <summary>How experiments wait and give up (settings under <c>CostPilot:Experiments</c>). Every wait is bounded.</summary>
public sealed class ExperimentOptions
{
    public const string Section = "CostPilot:Experiments";

    /// <summary>How often the job asks EC2 how the instance is doing while it waits. Default 5 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest the dry runs and tagging may take (AWS busy, throttled) before the experiment fails untouched. Default 2 min.</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest an instance may take to stop. Default 10 min (EC2 stops most instances within 2).</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest the type change may take (AWS busy). Default 2 min.</summary>
    public TimeSpan ModifyTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest an instance may take to reach running. Default 10 min.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest the status checks may take to pass after the start. Default 10 min.</summary>
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest a rollback may take before the experiment ends as failed, saying where the instance was left. Default 30 min.</summary>
    public TimeSpan RollbackTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The downtime a confirmation announces when no experiment of the kind has finished yet. Default 2 min.</summary>
    public TimeSpan DefaultExpectedDowntime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Jobs that may take up one experiment (after crashes, lost connections) before it ends as failed. Default 20.</summary>
    public int MaxAttempts { get; set; } = 20;
}
