namespace DslFlow.Runtime.Tests.Time.Jobs;

/// <summary>
/// A keyed event-time timer job: per key, records are counted per event-time window of <see cref="WindowMs"/> and a
/// timer at the window's end emits the count. Timestamps are out of order within <see cref="BoundMs"/> (seeded jitter),
/// so no record is ever late; a timer that fired early would leave records of its window behind, which would then
/// register the timer again and emit the window twice. Failures are injected while records are processed and while
/// timers fire.
/// </summary>
[Pipeline]
public static partial class WindowTimerPipeline
{
    public const long WindowMs = 100;
    public const long BoundMs = 40;
    public const int Keys = 16;

    public static long RecordCount { get; set; } = 10_000;

    public static int Seed { get; set; }

    public static double? RecordsPerSecond { get; set; }

    /// <summary>When above 0, the counting node sleeps 1 ms every that many records (input backs up for unaligned barriers).</summary>
    public static int SlowEvery { get; set; }

    public static TimerFailures Failures { get; set; } = new();

    public static CollectSink<WindowCount> Output { get; set; } = new();

    [Source, Watermarks(nameof(EventTime), OutOfOrdernessMs = BoundMs, IntervalMs = 5)]
    public static SequenceSource Numbers() => new(0, RecordCount) { RecordsPerSecond = RecordsPerSecond };

    public static long EventTime(long n) => TimeOf(n, Seed);

    /// <summary>Two milliseconds per record, minus a seeded jitter below the bound: out of order, never late.</summary>
    public static long TimeOf(long n, int seed) => 1_000_000 + n * 2 - (long)((ulong)StableHash.Of(n ^ ((long)seed << 32)) % (ulong)BoundMs);

    public static long WindowEnd(long time) => time - time % WindowMs + WindowMs - 1;

    public static int KeyOf(long n) => (int)(n % Keys);

    [Process(nameof(Numbers), KeyBy = nameof(KeyOf))]
    public static void Count(long n, MapState<long, long> windows, ValueState<long> lastFired, Collector<WindowCount> output, TimerService timers)
    {
        _ = lastFired; // the handler's: a key's last fired timer, checkpointed with the key, tells whether timers fire in order
        long calls = Failures.OnRecord();
        if (SlowEvery > 0 && calls % SlowEvery == 0)
        {
            Thread.Sleep(1);
        }
        long end = WindowEnd(EventTime(n));
        if (end <= timers.CurrentWatermark)
        {
            output.Emit(new WindowCount(KeyOf(n), end, -1, timers.CurrentWatermark, InOrder: true)); // late: the checks fail on it
            return;
        }
        windows[end] = windows.TryGetValue(end, out long count) ? count + 1 : 1;
        timers.RegisterEventTimeTimer(end);
    }

    [OnTimer(nameof(Count))]
    public static void EmitWindow(long time, int key, TimeDomain domain, Collector<WindowCount> output, MapState<long, long> windows,
        ValueState<long> lastFired, TimerService timers)
    {
        Failures.OnTimer();
        if (domain != TimeDomain.EventTime)
        {
            throw new InvalidOperationException($"a {domain} timer fired; the job registers event-time timers only");
        }
        bool inOrder = time > lastFired.Value;
        lastFired.Value = time;
        output.Emit(new WindowCount(key, time, windows.TryGetValue(time, out long count) ? count : 0, timers.CurrentWatermark, inOrder));
        windows.Remove(time);
    }

    [Sink(nameof(Count))]
    public static CollectSink<WindowCount> Out() => Output;

    /// <summary>What a simple in-memory loop over the same input emits: every (key, window end, count).</summary>
    public static IEnumerable<WindowCount> Reference(long records, int seed) =>
        Enumerable.Range(0, (int)records)
            .GroupBy(n => (Key: KeyOf(n), End: WindowEnd(TimeOf(n, seed))))
            .Select(g => new WindowCount(g.Key.Key, g.Key.End, g.Count(), 0, InOrder: true));
}

/// <summary>
/// One fired window: its key, end (the timer's time), count, the watermark when the timer fired (-1 count: a late
/// record), and whether it fired after the key's previous timer (its last fired time is keyed state).
/// </summary>
public readonly record struct WindowCount(int Key, long End, long Count, long Watermark, bool InOrder);

/// <summary>Failures at given record and timer calls, counted over the whole job (every restart replays, so each is crossed once).</summary>
public sealed class TimerFailures(long[]? atRecords = null, long[]? atTimers = null)
{
    private readonly long[] _atRecords = atRecords ?? [];
    private readonly long[] _atTimers = atTimers ?? [];
    private long _records;
    private long _timers;
    private int _injected;

    public int Injected => Volatile.Read(ref _injected);

    public int Planned => _atRecords.Length + _atTimers.Length;

    public long OnRecord()
    {
        long call = Interlocked.Increment(ref _records);
        if (Array.IndexOf(_atRecords, call) >= 0)
        {
            Interlocked.Increment(ref _injected);
            throw new Recovery.InjectedFailureException($"injected failure at record {call}");
        }
        return call;
    }

    public void OnTimer()
    {
        long call = Interlocked.Increment(ref _timers);
        if (Array.IndexOf(_atTimers, call) >= 0)
        {
            Interlocked.Increment(ref _injected);
            throw new Recovery.InjectedFailureException($"injected failure at timer {call}");
        }
    }
}
