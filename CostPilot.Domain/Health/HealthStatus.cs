namespace CostPilot.Domain.Health;

public enum HealthStatus
{
    Healthy,
    Degraded,
    Unhealthy,
}

/// <summary>The state of one component (database, job workers, storage) at one moment.</summary>
public sealed record ComponentHealth(string Component, HealthStatus Status, string Detail, TimeSpan Duration)
{
    /// <summary>What anonymous callers may read when <see cref="Detail"/> says more than they should (a server's name); null: the detail.</summary>
    public string? PublicDetail { get; init; }
}

/// <summary>All components together; the overall status is the worst of them.</summary>
public sealed record HealthReport(DateTimeOffset CheckedAt, IReadOnlyList<ComponentHealth> Components)
{
    public HealthStatus Overall =>
        Components.Count == 0 ? HealthStatus.Unhealthy : Components.Max(c => c.Status);
}
