namespace CostPilot.Domain.Utilization;

/// <summary>
/// One instance's hourly CloudWatch metrics over a window of whole hours (UTC): the hourly average and maximum of
/// <c>CPUUtilization</c> (percent) and the hourly sums of <c>NetworkIn</c> and <c>NetworkOut</c> (bytes). An hour without a
/// data point is <see cref="float.NaN"/>. Arrays, not one object per hour: 10,000 instances × 336 hours stay a few tens of MB.
/// </summary>
public sealed class UtilizationSeries
{
    /// <summary>The window recommendations look at.</summary>
    public const int Days = 14;
    public const int WindowHours = Days * 24;

    public UtilizationSeries(string instanceId, DateTimeOffset start, int hours)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hours);
        if (start.Offset != TimeSpan.Zero || start.Ticks % TimeSpan.TicksPerHour != 0)
        {
            throw new ArgumentException($"The window must start on a whole UTC hour, not {start:O}.", nameof(start));
        }
        InstanceId = instanceId;
        Start = start;
        CpuAverage = NaNs(hours);
        CpuMaximum = NaNs(hours);
        NetworkIn = NaNs(hours);
        NetworkOut = NaNs(hours);
    }

    public string InstanceId { get; }

    /// <summary>The first hour of the window (UTC, on the hour).</summary>
    public DateTimeOffset Start { get; }

    public int Hours => CpuAverage.Length;

    /// <summary>The hour after the last one.</summary>
    public DateTimeOffset End => Start.AddHours(Hours);

    public float[] CpuAverage { get; }
    public float[] CpuMaximum { get; }
    public float[] NetworkIn { get; }
    public float[] NetworkOut { get; }

    /// <summary>The index of the hour that contains <paramref name="at"/>; -1 when it lies outside the window.</summary>
    public int IndexOf(DateTimeOffset at)
    {
        var offset = at.UtcTicks - Start.UtcTicks;
        if (offset < 0)
        {
            return -1;
        }
        var index = offset / TimeSpan.TicksPerHour;
        return index < Hours ? (int)index : -1;
    }

    /// <summary>
    /// The same window with only the hours wholly after <paramref name="at"/> (the hour containing it is dropped too): what an
    /// instance did since its type changed, so advice never judges a new type by the old one's load.
    /// </summary>
    public UtilizationSeries Since(DateTimeOffset at)
    {
        var copy = new UtilizationSeries(InstanceId, Start, Hours);
        var first = at < Start ? 0 : IndexOf(at) is var index and >= 0 ? index + 1 : Hours;
        for (var h = first; h < Hours; h++)
        {
            copy.CpuAverage[h] = CpuAverage[h];
            copy.CpuMaximum[h] = CpuMaximum[h];
            copy.NetworkIn[h] = NetworkIn[h];
            copy.NetworkOut[h] = NetworkOut[h];
        }
        return copy;
    }

    /// <summary>The window of <see cref="WindowHours"/> whole hours that ends at the start of the hour containing <paramref name="now"/>.</summary>
    public static DateTimeOffset WindowStart(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var hour = new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerHour, TimeSpan.Zero);
        return hour.AddHours(-WindowHours);
    }

    private static float[] NaNs(int hours)
    {
        var values = new float[hours];
        Array.Fill(values, float.NaN);
        return values;
    }
}
