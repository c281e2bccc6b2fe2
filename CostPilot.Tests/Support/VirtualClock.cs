using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Support;

/// <summary>
/// A clock that moves only when the code under test waits on it: each timer created with a due time (a
/// <c>Task.Delay(span, clock, ct)</c>) moves the clock to that time at once, from the thread pool, after
/// <see cref="OnWait"/>. A job that polls EC2 every 200 ms through seconds of stopping and starting thus runs in
/// milliseconds of real time, and every time it records is exact: the fake EC2 on the same clock changes state at
/// exactly the instants the job reads. Meant for one waiter at a time (one job), as in the experiment tests.
/// </summary>
public sealed class VirtualClock(DateTimeOffset start) : TimeProvider
{
    private readonly FakeTimeProvider _time = new(start);
    private readonly Lock _gate = new();
    private Func<bool>? _onWait;

    /// <summary>
    /// Called each time the code under test waits, before the clock moves (on the thread pool). Returning false leaves the
    /// clock where it is: the hook cancelled the waiter, say, to cut a job off at a chosen point.
    /// </summary>
    public Func<bool>? OnWait
    {
        get { lock (_gate) { return _onWait; } }
        set { lock (_gate) { _onWait = value; } }
    }

    public override DateTimeOffset GetUtcNow() => _time.GetUtcNow();

    public override long GetTimestamp() => _time.GetTimestamp();

    public override long TimestampFrequency => _time.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Moves the clock on (time passing while no job runs).</summary>
    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _time.Advance(by);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = _time.CreateTimer(callback, state, dueTime, period);
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            var due = GetUtcNow() + dueTime;
            // Never from inside CreateTimer: the timer fires when the clock reaches it, and its owner must hold it first.
            _ = Task.Run(() =>
            {
                if (OnWait?.Invoke() == false)
                {
                    return;
                }
                lock (_gate)
                {
                    if (due > _time.GetUtcNow())
                    {
                        _time.SetUtcNow(due);
                    }
                }
            });
        }
        return timer;
    }
}
