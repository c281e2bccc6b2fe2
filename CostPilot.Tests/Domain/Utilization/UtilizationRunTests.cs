using CostPilot.Domain;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Utilization;

namespace CostPilot.Tests.Domain.Utilization;

public sealed class UtilizationRunTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Complete_AfterStart_CollectedWithCountsAndTime()
    {
        var run = new UtilizationRun(Guid.NewGuid());
        run.Start(At);

        run.Complete(At.AddMinutes(2), 10, 7, "1 of 2 regions could not be read");

        Assert.Equal((UtilizationStatus.Collected, 10, 7), (run.Status, run.InstancesAsked, run.InstancesWithData));
        Assert.Equal(At.AddMinutes(2), run.CollectedAt);
        Assert.Equal("1 of 2 regions could not be read", run.Message);
    }

    [Fact]
    public void Fail_KeepsTheLastSuccessfulCollectionTime()
    {
        var run = new UtilizationRun(Guid.NewGuid());
        run.Start(At);
        run.Complete(At, 1, 1);
        run.Start(At.AddDays(1));

        run.Fail(At.AddDays(1), "Access denied for cloudwatch:GetMetricData");

        Assert.Equal((UtilizationStatus.Failed, (DateTimeOffset?)At), (run.Status, run.CollectedAt));
    }

    [Fact]
    public void Transitions_NotCollecting_Throw()
    {
        var run = new UtilizationRun(Guid.NewGuid());

        Assert.Throws<InvalidStateTransitionException>(() => run.Complete(At, 0, 0));
        Assert.Throws<InvalidStateTransitionException>(() => run.Fail(At, "x"));
        Assert.Throws<InvalidStateTransitionException>(() => run.Interrupt("x"));
    }

    [Fact]
    public void Start_WhileInterrupted_ResumesAndClearsTheMessage()
    {
        var run = new UtilizationRun(Guid.NewGuid());
        run.Start(At);
        run.Interrupt("The server stopped.");
        Assert.True(run.IsInProgress);

        run.Start(At.AddMinutes(1));

        Assert.Equal((UtilizationStatus.Collecting, (string?)null), (run.Status, run.Message));
    }

    [Fact]
    public void Messages_LongerThanTheColumn_AreCut()
    {
        var run = new UtilizationRun(Guid.NewGuid());
        run.Start(At);

        run.Fail(At, new string('x', 5000));

        Assert.Equal(UtilizationRun.MaxMessageLength, run.Message!.Length);
    }
}

public sealed class StateChangedAtTests
{
    [Theory]
    [InlineData("User initiated (2026-10-01 09:30:12 GMT)", "2026-10-01T09:30:12+00:00")]
    [InlineData("Server.ScheduledStop: Stopped due to scheduled retirement (2025-01-02 03:04:05 GMT)", "2025-01-02T03:04:05+00:00")]
    public void StateChangedAtOf_ReasonWithATime_ThatTimeInUtc(string reason, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), DiscoveredInstance.StateChangedAtOf(reason));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("User initiated")]
    [InlineData("User initiated (yesterday GMT)")]
    [InlineData("User initiated (2026-13-45 99:99:99 GMT)")]
    public void StateChangedAtOf_NoReadableTime_Null(string? reason) => Assert.Null(DiscoveredInstance.StateChangedAtOf(reason));
}
