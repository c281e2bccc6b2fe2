namespace CostPilot.Infrastructure.Sandbox;

/// <summary>
/// How the sample account's EC2 actions behave (<c>CostPilot:Sandbox:Actions</c>): how long its transitions take, and how often a
/// start after a type change fails, so a user sees an experiment roll back without AWS.
/// </summary>
public sealed class SandboxActionOptions
{
    public const string Section = "CostPilot:Sandbox:Actions";

    /// <summary>stopping → stopped.</summary>
    public TimeSpan StopDelay { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>pending → running.</summary>
    public TimeSpan StartDelay { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>From running to both status checks done.</summary>
    public TimeSpan StatusCheckDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The share (0 to 1) of starts after CostPilot changed an instance's type that fail for lack of capacity; a rollback's start
    /// (the instance back to its original type) never fails.
    /// </summary>
    public double FailureRate { get; set; } = 0.1;

    /// <summary>The share (0 to 1) of the other starts after a type change whose status checks then fail (impaired). Off by default.</summary>
    public double ImpairedChecksRate { get; set; }

    /// <summary>Each delay varies by up to this share either way (0.2: ±20 %), from 0 to 0.5.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>What is wrong with these settings, or null when they are valid.</summary>
    public string? Error =>
        StopDelay < TimeSpan.Zero || StartDelay < TimeSpan.Zero || StatusCheckDelay < TimeSpan.Zero
            ? $"{Section}: StopDelay, StartDelay and StatusCheckDelay must not be negative."
        : !(FailureRate is >= 0 and <= 1) ? $"{Section}:FailureRate must be between 0 and 1 (it is {FailureRate})."
        : !(ImpairedChecksRate is >= 0 and <= 1) ? $"{Section}:ImpairedChecksRate must be between 0 and 1 (it is {ImpairedChecksRate})."
        : !(Jitter is >= 0 and <= 0.5) ? $"{Section}:Jitter must be between 0 and 0.5 (it is {Jitter})."
        : null;
}
