using CostPilot.Domain.Utilization;

namespace CostPilot.Infrastructure.Utilization;

/// <summary>
/// The stored 14-day hourly series of one running instance (NaN: no data point that hour), with the summary the
/// recommendation engine reads. Replaced by each collection; rows of instances no longer running are removed, so the table
/// holds at most 14 days per live instance.
/// </summary>
public sealed class InstanceUtilization
{
    private InstanceUtilization() { } // EF

    public InstanceUtilization(Guid accountId, string region, UtilizationSeries series, DateTimeOffset collectedAt)
    {
        ArgumentNullException.ThrowIfNull(series);
        AccountId = accountId;
        Region = region;
        InstanceId = series.InstanceId;
        WindowStart = series.Start;
        CpuAverage = series.CpuAverage;
        CpuMaximum = series.CpuMaximum;
        NetworkIn = series.NetworkIn;
        NetworkOut = series.NetworkOut;
        var summary = UtilizationSummary.Of(series);
        HourlyPoints = summary.HourlyPoints;
        CpuP95 = summary.CpuP95;
        CpuMax = summary.CpuMax;
        NetworkBytesPerDay = summary.NetworkBytesPerDay;
        CollectedAt = collectedAt;
    }

    public Guid AccountId { get; private set; }
    public string Region { get; private set; } = "";
    public string InstanceId { get; private set; } = "";
    public DateTimeOffset WindowStart { get; private set; }
    public float[] CpuAverage { get; private set; } = [];
    public float[] CpuMaximum { get; private set; } = [];
    public float[] NetworkIn { get; private set; } = [];
    public float[] NetworkOut { get; private set; } = [];
    public int HourlyPoints { get; private set; }
    public double? CpuP95 { get; private set; }
    public double? CpuMax { get; private set; }
    public double? NetworkBytesPerDay { get; private set; }
    public DateTimeOffset CollectedAt { get; private set; }

    /// <summary>The stored hours as a series again.</summary>
    public UtilizationSeries ToSeries()
    {
        var series = new UtilizationSeries(InstanceId, WindowStart, CpuAverage.Length);
        CpuAverage.CopyTo(series.CpuAverage, 0);
        CpuMaximum.AsSpan(0, Math.Min(CpuMaximum.Length, series.Hours)).CopyTo(series.CpuMaximum);
        NetworkIn.AsSpan(0, Math.Min(NetworkIn.Length, series.Hours)).CopyTo(series.NetworkIn);
        NetworkOut.AsSpan(0, Math.Min(NetworkOut.Length, series.Hours)).CopyTo(series.NetworkOut);
        return series;
    }

    public UtilizationSummary Summary => new(HourlyPoints, CpuP95, CpuMax, NetworkBytesPerDay);
}
