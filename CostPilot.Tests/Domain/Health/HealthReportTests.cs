using CostPilot.Domain.Health;

namespace CostPilot.Tests.Domain.Health;

public sealed class HealthReportTests
{
    [Theory]
    [InlineData(HealthStatus.Healthy, HealthStatus.Healthy, HealthStatus.Healthy, HealthStatus.Healthy)]
    [InlineData(HealthStatus.Healthy, HealthStatus.Degraded, HealthStatus.Healthy, HealthStatus.Degraded)]
    [InlineData(HealthStatus.Degraded, HealthStatus.Unhealthy, HealthStatus.Healthy, HealthStatus.Unhealthy)]
    [InlineData(HealthStatus.Unhealthy, HealthStatus.Healthy, HealthStatus.Healthy, HealthStatus.Unhealthy)]
    [InlineData(HealthStatus.Healthy, HealthStatus.Healthy, HealthStatus.Degraded, HealthStatus.Degraded)]
    public void Overall_Components_IsTheWorst(HealthStatus database, HealthStatus jobs, HealthStatus storage, HealthStatus expected)
    {
        var report = new HealthReport(DateTimeOffset.UnixEpoch, [Component("database", database), Component("jobs", jobs), Component("storage", storage)]);

        Assert.Equal(expected, report.Overall);
    }

    [Fact]
    public void Overall_NoComponents_IsUnhealthy()
    {
        Assert.Equal(HealthStatus.Unhealthy, new HealthReport(DateTimeOffset.UnixEpoch, []).Overall);
    }

    private static ComponentHealth Component(string name, HealthStatus status) => new(name, status, "", TimeSpan.Zero);
}
