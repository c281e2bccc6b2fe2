namespace CostPilot.Domain.Utilization;

/// <summary>
/// What the recommendation engine needs from an instance's series: how many hours had CPU data, the 95th percentile of the
/// hourly averages, the maximum of the hourly maxima, and the average network traffic (in + out) per day.
/// </summary>
/// <param name="HourlyPoints">Hours with an hourly CPU average.</param>
/// <param name="CpuP95">Percent; null without points. Nearest rank: the value at rank ⌈0.95 n⌉ of the sorted hourly averages.</param>
/// <param name="CpuMax">Percent; null without points.</param>
/// <param name="NetworkBytesPerDay">In + out over the hours with network data, scaled to 24 hours; null without network data.</param>
public sealed record UtilizationSummary(int HourlyPoints, double? CpuP95, double? CpuMax, double? NetworkBytesPerDay)
{
    public static readonly UtilizationSummary NoData = new(0, null, null, null);

    public static UtilizationSummary Of(UtilizationSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var averages = series.CpuAverage.Where(v => !float.IsNaN(v)).Select(v => (double)v).ToArray();
        var maxima = series.CpuMaximum.Where(v => !float.IsNaN(v)).ToArray();
        double? p95 = null;
        if (averages.Length > 0)
        {
            Array.Sort(averages);
            var rank = (int)Math.Ceiling(0.95 * averages.Length);
            p95 = averages[Math.Clamp(rank, 1, averages.Length) - 1];
        }
        double network = 0;
        var networkHours = 0;
        for (var i = 0; i < series.Hours; i++)
        {
            var inBytes = series.NetworkIn[i];
            var outBytes = series.NetworkOut[i];
            if (float.IsNaN(inBytes) && float.IsNaN(outBytes))
            {
                continue;
            }
            networkHours++;
            network += (float.IsNaN(inBytes) ? 0 : inBytes) + (float.IsNaN(outBytes) ? 0 : outBytes);
        }
        return new UtilizationSummary(averages.Length, p95, maxima.Length > 0 ? maxima.Max() : null,
            networkHours > 0 ? network / networkHours * 24 : null);
    }
}
