using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Sandbox;
using static CostPilot.Infrastructure.Sandbox.SandboxUtilizationSource;

namespace CostPilot.Tests.Infrastructure.Sandbox;

/// <summary>The sample fleet's simulated CloudWatch: each profile lands where the engine's thresholds put it, the same every time.</summary>
public sealed class SandboxUtilizationSourceTests
{
    private static readonly DateTimeOffset Start = UtilizationSeries.WindowStart(new DateTimeOffset(2026, 11, 30, 12, 34, 0, TimeSpan.Zero));

    private static IEnumerable<string> Ids(Profile profile) =>
        Enumerable.Range(0, 5000).Select(n => $"i-{n:x17}").Where(id => ProfileOf(id) == profile).Take(40);

    [Fact]
    public void Simulate_Idle_MaxCpuUnder5PercentAndNetworkUnder5MBADay()
    {
        Assert.All(Ids(Profile.Idle), id =>
        {
            var s = UtilizationSummary.Of(Simulate(id, Start, UtilizationSeries.WindowHours));
            Assert.Equal(UtilizationSeries.WindowHours, s.HourlyPoints);
            Assert.True(s.CpuMax < 5, $"{id}: max {s.CpuMax}");
            Assert.True(s.NetworkBytesPerDay < 5_000_000, $"{id}: {s.NetworkBytesPerDay} B/day");
        });
    }

    [Theory]
    [InlineData(Profile.OverProvisioned, 0, 40)]
    [InlineData(Profile.Normal, 40, 80)]
    [InlineData(Profile.Hot, 80, 100)]
    public void Simulate_Profile_P95InItsBand(Profile profile, double low, double high) =>
        Assert.All(Ids(profile), id =>
        {
            var s = UtilizationSummary.Of(Simulate(id, Start, UtilizationSeries.WindowHours));
            Assert.InRange(s.CpuP95!.Value, low, high);
            Assert.True(s.NetworkBytesPerDay > 5_000_000);
        });

    [Fact]
    public void Simulate_NewAndSilent_TooFewPointsOrNone()
    {
        Assert.All(Ids(Profile.New), id => Assert.Equal(48, UtilizationSummary.Of(Simulate(id, Start, UtilizationSeries.WindowHours)).HourlyPoints));
        Assert.All(Ids(Profile.NoData), id => Assert.Equal(UtilizationSummary.NoData, UtilizationSummary.Of(Simulate(id, Start, UtilizationSeries.WindowHours))));
    }

    [Fact]
    public void Simulate_OverlappingWindows_SameValueForTheSameHour()
    {
        var id = Ids(Profile.Normal).First();
        var today = Simulate(id, Start, UtilizationSeries.WindowHours);
        var tomorrow = Simulate(id, Start.AddHours(24), UtilizationSeries.WindowHours);

        Assert.Equal(today.CpuAverage[24..], tomorrow.CpuAverage[..^24]);
    }

    [Fact]
    public async Task GetHourlyAsync_Instances_OneSeriesEachInOrderWithProgress()
    {
        var ids = Enumerable.Range(0, 300).Select(n => $"i-{n:x17}").ToList();
        var reported = new List<int>();

        var series = await new SandboxUtilizationSource(TimeSpan.Zero).GetHourlyAsync("us-east-1", ids, Start, 24,
            new SynchronousProgress(reported.Add), CancellationToken.None);

        Assert.Equal(ids, series.Select(s => s.InstanceId));
        Assert.Equal([125, 250, 300], reported);
    }

    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
