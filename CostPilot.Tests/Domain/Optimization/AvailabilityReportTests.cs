using CostPilot.Domain.Accounts;
using CostPilot.Domain.Optimization;

namespace CostPilot.Tests.Domain.Optimization;

public sealed class AvailabilityReportTests
{
    // 15 days into a 30-day month: 1,296,000 s elapsed; the month is 2,592,000 s.
    private static readonly DateTimeOffset Now = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MonthStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Measure_NoDowntime_HundredPercentAndTheWholeBudget()
    {
        var report = AvailabilityReport.Measure(99.9m, [], 10, Now);

        Assert.Equal(100.0, report.AccountPercent);
        // 0.1 % of 30 days: 43 min 12 s.
        Assert.Equal(TimeSpan.FromSeconds(2592), report.Budget);
        Assert.Equal(report.Budget, report.Remaining);
        Assert.Equal((MonthStart, MonthStart.AddMonths(1)), (report.MonthStart, report.MonthEnd));
    }

    [Fact]
    public void Measure_Downtime_PerInstanceAndAccountToTheSecond()
    {
        DowntimeInterval[] downtime =
        [
            new("i-a", Now.AddHours(-2), Now.AddHours(-2).AddSeconds(90)),
            new("i-a", Now.AddHours(-1), Now.AddHours(-1).AddSeconds(30)),
            new("i-b", Now.AddDays(-3), Now.AddDays(-3).AddSeconds(1296)),
        ];

        var report = AvailabilityReport.Measure(99.9m, downtime, 4, Now);

        Assert.Equal(["i-b", "i-a"], report.Instances.Select(i => i.InstanceId));
        Assert.Equal(TimeSpan.FromSeconds(1296), report.Instances[0].Downtime);
        Assert.Equal(TimeSpan.FromSeconds(120), report.Instances[1].Downtime);
        // 1,296 s of 1,296,000 s elapsed: 99.9 %.
        Assert.Equal(99.9, report.Instances[0].Percent, 9);
        // (1,296 + 120) s over 4 instances × 1,296,000 s.
        Assert.Equal(100.0 * (1 - 1416.0 / (4 * 1_296_000.0)), report.AccountPercent, 9);
        // The most affected instance used 1,296 s of its 2,592 s.
        Assert.Equal(TimeSpan.FromSeconds(1296), report.Remaining);
        Assert.True(report.WouldExceed("i-b", TimeSpan.FromSeconds(1297)));
        Assert.False(report.WouldExceed("i-b", TimeSpan.FromSeconds(1296)));
        Assert.False(report.WouldExceed("i-new", TimeSpan.FromMinutes(2)));
        // Each instance's own budget: what is left of it, never below nothing.
        Assert.Equal(TimeSpan.FromSeconds(2592 - 120), report.RemainingFor("i-a"));
        Assert.Equal(report.Remaining, report.RemainingFor("i-b"));
        Assert.Equal(report.Budget, report.RemainingFor("i-new"));
        Assert.Equal(TimeSpan.Zero, AvailabilityReport.Measure(99.99m, [new("i-a", Now.AddHours(-1), Now)], 1, Now).RemainingFor("i-a"));
    }

    [Fact]
    public void Measure_IntervalsCrossingTheMonthOrStillOpen_CountOnlyThisMonthUntilNow()
    {
        DowntimeInterval[] downtime =
        [
            new("i-a", MonthStart.AddSeconds(-600), MonthStart.AddSeconds(60)),
            new("i-b", Now.AddSeconds(-45), null),
            new("i-c", MonthStart.AddMonths(-1), MonthStart.AddMonths(-1).AddHours(1)),
        ];

        var report = AvailabilityReport.Measure(99.9m, downtime, 3, Now);

        Assert.Equal([("i-a", 60.0), ("i-b", 45.0)], report.Instances.Select(i => (i.InstanceId, i.Downtime.TotalSeconds)));
    }

    [Fact]
    public void Measure_OverBudget_NothingLeftNotNegative()
    {
        var report = AvailabilityReport.Measure(99.99m, [new("i-a", Now.AddHours(-1), Now)], 1, Now);

        Assert.Equal(TimeSpan.Zero, report.Remaining);
        Assert.True(report.Budget < TimeSpan.FromHours(1));
    }

    [Theory]
    [InlineData("99.9", null)]
    [InlineData("90", null)]
    [InlineData("99.999", null)]
    [InlineData("89.999", "between 90 % and 99.999 %")]
    [InlineData("100", "between 90 % and 99.999 %")]
    [InlineData("99.9505", "at most three decimals")]
    public void AvailabilityTargetError_Bounds(string percent, string? error)
    {
        var value = decimal.Parse(percent, System.Globalization.CultureInfo.InvariantCulture);
        var message = Account.AvailabilityTargetError(value);
        if (error is null)
        {
            Assert.Null(message);
        }
        else
        {
            Assert.Contains(error, message, StringComparison.Ordinal);
        }
    }
}
