using System.Diagnostics;

namespace CostPilot.Tests.Support;

/// <summary>Bounded polling for outcomes that arrive asynchronously (batched log writes, a process coming up).</summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Calls <paramref name="probe"/> until <paramref name="done"/> holds or the deadline passes, then fails with <paramref name="what"/>.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"Gave up after {timeout.TotalSeconds:0} s waiting for {what}; last value: {value}");
            }
            await Task.Delay(Interval);
        }
    }
}
