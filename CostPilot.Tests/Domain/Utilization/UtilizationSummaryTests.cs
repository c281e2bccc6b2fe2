using CostPilot.Domain.Utilization;

namespace CostPilot.Tests.Domain.Utilization;

public sealed class UtilizationSummaryTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    private static UtilizationSeries Series(int hours) => new("i-1", Start, hours);

    [Fact]
    public void Of_NoPoints_NoData()
    {
        Assert.Equal(UtilizationSummary.NoData, UtilizationSummary.Of(Series(UtilizationSeries.WindowHours)));
    }

    [Theory]
    // Nearest rank: the value at rank ⌈0.95 n⌉ of the n sorted hourly averages (1, 2, …, n).
    [InlineData(1, 1)]
    [InlineData(20, 19)]
    [InlineData(72, 69)]
    [InlineData(100, 95)]
    [InlineData(336, 320)]   // ⌈319.2⌉
    public void Of_AveragesOneToN_P95IsTheNearestRank(int points, double p95)
    {
        var series = Series(UtilizationSeries.WindowHours);
        // Spread over the window in reverse order, with gaps: order and NaN hours must not matter.
        for (var i = 0; i < points; i++)
        {
            series.CpuAverage[UtilizationSeries.WindowHours - 1 - i] = points - i;
        }

        var summary = UtilizationSummary.Of(series);

        Assert.Equal((points, (double?)p95), (summary.HourlyPoints, summary.CpuP95));
    }

    [Fact]
    public void Of_Maxima_TheLargestHourlyMaximumWithoutNaN()
    {
        var series = Series(48);
        series.CpuAverage[0] = 1;
        series.CpuMaximum[3] = 4.99f;
        series.CpuMaximum[7] = 2;

        Assert.Equal((double?)4.99f, UtilizationSummary.Of(series).CpuMax);
    }

    [Fact]
    public void Of_AveragesWithoutMaxima_CpuMaxUnknown()
    {
        var series = Series(48);
        series.CpuAverage[0] = 1;

        Assert.Null(UtilizationSummary.Of(series).CpuMax);
    }

    [Fact]
    public void Of_Network_InPlusOutPerHourWithDataScaledToADay()
    {
        var series = Series(48);
        series.NetworkIn[0] = 100_000;
        series.NetworkOut[0] = 50_000;
        series.NetworkIn[1] = 10_000;        // out unknown: counts as 0, the hour counts
        series.NetworkOut[2] = 40_000;       // in unknown
        // 3 hours with data, 200,000 bytes: 66,666.67 an hour, 1,600,000 a day.

        Assert.Equal(1_600_000, UtilizationSummary.Of(series).NetworkBytesPerDay!.Value, 6);
    }

    [Fact]
    public void Of_NoNetworkData_NetworkUnknown()
    {
        var series = Series(48);
        series.CpuAverage[0] = 1;

        Assert.Null(UtilizationSummary.Of(series).NetworkBytesPerDay);
    }

    [Fact]
    public void Of_LargeSums_NoFloatOverflowOrLoss()
    {
        var series = Series(UtilizationSeries.WindowHours);
        Array.Fill(series.NetworkIn, 3e9f);   // 3 GB an hour in, nothing out
        Array.Fill(series.NetworkOut, 0f);

        Assert.Equal(72e9, UtilizationSummary.Of(series).NetworkBytesPerDay!.Value, 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(72)]
    [InlineData(336)]
    [InlineData(2000)]
    public void Select_RandomValuesWithDuplicates_TheSortedValueAtEveryIndex(int length)
    {
        var random = new Random(length);
        for (var round = 0; round < 20; round++)
        {
            // Few distinct values (many ties), sorted runs, and plain noise all take other partition paths.
            var values = Enumerable.Range(0, length).Select(i => round switch
            {
                0 => i,
                1 => length - i,
                2 => 42f,
                < 10 => random.Next(5),
                _ => (float)(random.NextDouble() * 100),
            }).ToArray();
            var sorted = values.Order().ToArray();
            for (var k = 0; k < length; k += Math.Max(1, length / 50))
            {
                Assert.Equal(sorted[k], UtilizationSummary.Select(values.ToArray(), k));
            }
            Assert.Equal(sorted[^1], UtilizationSummary.Select(values.ToArray(), length - 1));
        }
    }

    [Fact]
    public void NearestRank95_IntegerArithmetic_IsTheCeilingOf95Percent()
    {
        for (var n = 1; n <= 10_000; n++)
        {
            Assert.Equal((int)Math.Ceiling(0.95m * n), UtilizationSummary.NearestRank95(n));
        }
    }

    [Fact]
    public void Of_SeriesLongerThanTheStackBuffer_SameRule()
    {
        var series = Series(3000);
        for (var i = 0; i < 3000; i++)
        {
            series.CpuAverage[i] = (i * 7919) % 3000;   // 0..2999, shuffled
        }

        Assert.Equal((double?)2849, UtilizationSummary.Of(series).CpuP95);   // rank 2,850 of 0..2999
    }
}
