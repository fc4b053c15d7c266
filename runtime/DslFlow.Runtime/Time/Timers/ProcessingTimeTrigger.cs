namespace DslFlow.Time.Timers;

/// <summary>
/// Wakes a task when its earliest processing-time timer is due: one <see cref="ITimer"/> of the job's
/// <see cref="TimeProvider"/>, moved forward when an earlier timer is registered. Its callback runs on the clock's
/// thread and only posts <paramref name="fire"/> to the task's mailbox, where the due timers fire between two records.
/// </summary>
internal sealed class ProcessingTimeTrigger(TimeProvider time, Action fire) : IDisposable
{
    private const long MaxDelayMs = 24 * 60 * 60 * 1000;
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private long _scheduledFor = long.MaxValue;
    private bool _stopped;

    /// <summary>Makes sure the task is woken at or after <paramref name="atMilliseconds"/> (Unix milliseconds).</summary>
    public void Request(long atMilliseconds)
    {
        lock (_lock)
        {
            if (_stopped || atMilliseconds >= _scheduledFor)
            {
                return; // an earlier wake-up comes first, and reschedules for what is left
            }
            _scheduledFor = atMilliseconds;
            // At most a day ahead (a timer may be months away; TimeProvider timers take at most ~49 days): an early
            // wake-up finds nothing due and asks for the next one.
            long now = time.GetUtcNow().ToUnixTimeMilliseconds();
            long delay = atMilliseconds <= now ? 0 : atMilliseconds - now > MaxDelayMs ? MaxDelayMs : atMilliseconds - now;
            _timer?.Dispose();
            _timer = time.CreateTimer(static state => ((ProcessingTimeTrigger)state!).Elapsed(), this,
                TimeSpan.FromMilliseconds(delay), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>No more wake-ups (the task's input ended, or it stopped): pending processing-time timers stay unfired, as in Flink.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Stop();

    private void Elapsed()
    {
        lock (_lock)
        {
            _scheduledFor = long.MaxValue; // the task reschedules for its next timer after firing the due ones (or a capped wait)
            if (_stopped)
            {
                return;
            }
        }
        fire();
    }
}
