using CostPilot.Domain;
using CostPilot.Domain.Optimization;

namespace CostPilot.Tests.Domain.Optimization;

public sealed class DowntimeLogTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void WithinSla_StillRunning_IsNull()
    {
        var log = NewLog(TimeSpan.FromMinutes(5));

        Assert.Null(log.Duration);
        Assert.Null(log.WithinSla);
    }

    [Fact]
    public void WithinSla_NoBudget_IsNull()
    {
        var log = NewLog(budget: null);

        log.End(Start.AddMinutes(1));

        Assert.Null(log.WithinSla);
    }

    [Theory]
    [InlineData(60, true)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    public void WithinSla_EndedWithBudget_ComparesDurationToBudget(int seconds, bool expected)
    {
        var log = NewLog(TimeSpan.FromMinutes(5));

        log.End(Start.AddSeconds(seconds));

        Assert.Equal(TimeSpan.FromSeconds(seconds), log.Duration);
        Assert.Equal(expected, log.WithinSla);
    }

    [Fact]
    public void End_Twice_ThrowsInvalidStateTransition()
    {
        var log = NewLog(TimeSpan.FromMinutes(5));
        log.End(Start.AddMinutes(1));

        Assert.Throws<InvalidStateTransitionException>(() => log.End(Start.AddMinutes(2)));
        Assert.Equal(Start.AddMinutes(1), log.EndedAt);
    }

    [Fact]
    public void End_BeforeStart_Throws()
    {
        var log = NewLog(TimeSpan.FromMinutes(5));

        Assert.Throws<ArgumentOutOfRangeException>(() => log.End(Start.AddSeconds(-1)));
        Assert.Null(log.EndedAt);
    }

    private static DowntimeLog NewLog(TimeSpan? budget) =>
        new(Guid.NewGuid(), "i-0123456789abcdef0", experimentId: null, "resize", Start) { SlaBudget = budget };
}
