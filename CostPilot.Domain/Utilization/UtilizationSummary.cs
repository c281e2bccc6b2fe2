using System.Buffers;

namespace CostPilot.Domain.Utilization;

/// <summary>
/// What the recommendation engine needs from an instance's series: how many hours had CPU data, the 95th percentile of the
/// hourly averages, the maximum of the hourly maxima, and the average network traffic (in + out) per day.
/// </summary>
/// <param name="HourlyPoints">Hours with an hourly CPU average.</param>
/// <param name="CpuP95">Percent; null without points. Nearest rank: the value at rank ⌈0.95 n⌉ of the sorted hourly averages.</param>
/// <param name="CpuMax">Percent; null without any hourly maximum.</param>
/// <param name="NetworkBytesPerDay">In + out over the hours with network data, scaled to 24 hours; null without network data.</param>
public sealed record UtilizationSummary(int HourlyPoints, double? CpuP95, double? CpuMax, double? NetworkBytesPerDay)
{
    public static readonly UtilizationSummary NoData = new(0, null, null, null);

    /// <summary>Series up to this many hours sort their averages on the stack; longer ones rent a buffer.</summary>
    private const int StackHours = 1024;

    /// <summary>One pass over the hours, then a selection (not a sort) of the p95 among the averages; allocates only the summary.</summary>
    public static UtilizationSummary Of(UtilizationSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var hours = series.Hours;
        float[]? rented = null;
        var averages = hours <= StackHours ? stackalloc float[hours] : (rented = ArrayPool<float>.Shared.Rent(hours));
        try
        {
            ReadOnlySpan<float> cpuAverage = series.CpuAverage, cpuMaximum = series.CpuMaximum, networkIn = series.NetworkIn, networkOut = series.NetworkOut;
            var points = 0;
            var max = float.NaN;
            double network = 0;
            var networkHours = 0;
            for (var i = 0; i < hours; i++)
            {
                var average = cpuAverage[i];
                if (!float.IsNaN(average))
                {
                    averages[points++] = average;
                }
                var maximum = cpuMaximum[i];
                if (!float.IsNaN(maximum) && (float.IsNaN(max) || maximum > max))
                {
                    max = maximum;
                }
                var inBytes = networkIn[i];
                var outBytes = networkOut[i];
                if (float.IsNaN(inBytes) && float.IsNaN(outBytes))
                {
                    continue;
                }
                networkHours++;
                network += (float.IsNaN(inBytes) ? 0d : inBytes) + (float.IsNaN(outBytes) ? 0d : outBytes);
            }
            // Selecting among the floats gives the value sorting them as doubles would (the conversion is exact and monotonic).
            double? p95 = points > 0 ? Select(averages[..points], NearestRank95(points) - 1) : null;
            return new UtilizationSummary(points, p95, float.IsNaN(max) ? null : max, networkHours > 0 ? network / networkHours * 24 : null);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>⌈0.95 n⌉ in integer arithmetic, between 1 and n.</summary>
    internal static int NearestRank95(int n) => (95 * n + 99) / 100;

    /// <summary>
    /// The value at index <paramref name="k"/> of <paramref name="values"/> once sorted ascending (quickselect, Hoare partition
    /// around a median of three; reorders <paramref name="values"/>). Linear on average; no NaN allowed.
    /// </summary>
    internal static float Select(Span<float> values, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, values.Length);
        int left = 0, right = values.Length - 1;
        while (left < right)
        {
            var mid = left + (right - left) / 2;
            if (values[mid] < values[left])
            {
                (values[mid], values[left]) = (values[left], values[mid]);
            }
            if (values[right] < values[left])
            {
                (values[right], values[left]) = (values[left], values[right]);
            }
            if (values[right] < values[mid])
            {
                (values[right], values[mid]) = (values[mid], values[right]);
            }
            var pivot = values[mid];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }
                while (values[j] > pivot)
                {
                    j--;
                }
                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }
            // left..j ≤ pivot ≤ i..right, and every index strictly between j and i holds the pivot itself.
            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                return values[k];
            }
        }
        return values[k];
    }
}
