namespace CostPilot.Infrastructure.Jobs;

/// <summary>How jobs come back after the server running them stops (settings under <c>CostPilot:Jobs</c>).</summary>
public sealed class JobOptions
{
    public const string Section = "CostPilot:Jobs";

    private static readonly TimeSpan MinimumInvisibilityTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a job may go without a sign of life from its server before another worker takes it over. Hangfire's
    /// sliding invisibility timeout: a worker refreshes its claim every fifth of this while the job runs, so a job of any
    /// length keeps its claim, and a job whose server died (kill -9, out of memory, a lost machine) is handed out again this
    /// long after the server's last refresh. A job's lease on its work (<see cref="WorkLease"/>) ends after the same silence.
    /// Default 1 minute.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A job a worker started this recently that does not hold its lease yet is starting, not lost: reconciliation leaves it
    /// alone. Default 30 seconds (jobs take their lease within milliseconds of starting).
    /// </summary>
    public TimeSpan StartGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><see cref="InvisibilityTimeout"/>, never below 5 seconds.</summary>
    public TimeSpan EffectiveInvisibilityTimeout =>
        InvisibilityTimeout < MinimumInvisibilityTimeout ? MinimumInvisibilityTimeout : InvisibilityTimeout;
}
