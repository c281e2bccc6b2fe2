using CostPilot.Domain.Health;

namespace CostPilot.Infrastructure.Health;

/// <summary>One component's result from one run of the health monitor job, kept in <c>health_checks</c>.</summary>
public sealed class HealthCheckRecord
{
    public long Id { get; set; }
    public DateTimeOffset CheckedAt { get; set; }
    public string Component { get; set; } = "";
    public HealthStatus Status { get; set; }
    public string Detail { get; set; } = "";
    public double DurationMs { get; set; }
}
