using DslFlow.Runtime.Tests.Time.Jobs;

namespace DslFlow.Runtime.Tests.Time.Windows;

/// <summary>
/// A windowed count as a user writes it today, on a keyed <c>[Process]</c> node: its windows are a
/// <c>MapState&lt;TimeWindow, long&gt;</c>, its firings the node's timers, and one static <see cref="WindowOperator{TKey,TIn,TAcc,TOut}"/>
/// does the windowing for every subtask. Timestamps are out of order within <see cref="BoundMs"/>; for sessions they
/// come in bursts far apart, so a session never has to merge with one that already fired. Failures are injected while
/// records are processed and while windows fire.
/// </summary>
[Pipeline]
public static partial class WindowedCountPipeline
{
    public const long BoundMs = 40;
    public const int Keys = 16;

    public static long RecordCount { get; set; } = 10_000;

    public static int Seed { get; set; }

    public static double? RecordsPerSecond { get; set; }

    public static int SlowEvery { get; set; }

    /// <summary>Tumbling 100 ms unless a test sets sliding or sessions.</summary>
    public static WindowAssigner Assigner { get; set; } = WindowAssigner.Tumbling("Count", 100);

    public static WindowOperator<int, long, long, WindowResult> Windows { get; set; } = Create(WindowAssigner.Tumbling("Count", 100));

    public static TimerFailures Failures { get; set; } = new();

    public static CollectSink<WindowResult> Output { get; set; } = new();

    public static WindowOperator<int, long, long, WindowResult> Create(WindowAssigner assigner) =>
        new("Count", assigner, TimeDomain.EventTime, 0, (count, _) => count + 1, (a, b) => a + b,
            (key, window, count) => new WindowResult(key, window.Start, window.End, count));

    [Source, Watermarks(nameof(EventTime), OutOfOrdernessMs = BoundMs, IntervalMs = 5)]
    public static SequenceSource Numbers() => new(0, RecordCount) { RecordsPerSecond = RecordsPerSecond };

    public static long EventTime(long n) => TimeOf(n, Seed, Assigner.Merging);

    /// <summary>
    /// Two milliseconds per record minus a seeded jitter below the bound; for sessions, every 64 records (4 per key, 32 ms
    /// apart) form a burst, and bursts start 1 s apart.
    /// </summary>
    public static long TimeOf(long n, int seed, bool bursts)
    {
        long jitter = (long)((ulong)StableHash.Of(n ^ ((long)seed << 32)) % (ulong)BoundMs);
        return bursts ? 1_000_000 + n / 64 * 1_000 + n % 64 * 2 - jitter : 1_000_000 + n * 2 - jitter;
    }

    public static int KeyOf(long n) => (int)(n % Keys);

    [Process(nameof(Numbers), KeyBy = nameof(KeyOf))]
    public static void Count(long n, MapState<TimeWindow, long> windows, Collector<WindowResult> output, TimerService timers)
    {
        long calls = Failures.OnRecord();
        if (SlowEvery > 0 && calls % SlowEvery == 0)
        {
            Thread.Sleep(1);
        }
        Windows.OnElement(KeyOf(n), n, EventTime(n), windows, timers, output, late: null);
    }

    [OnTimer(nameof(Count))]
    public static void Fire(long time, int key, TimeDomain domain, Collector<WindowResult> output, MapState<TimeWindow, long> windows)
    {
        Failures.OnTimer();
        Windows.OnTimer(key, time, domain, windows, output);
    }

    [Sink(nameof(Count))]
    public static CollectSink<WindowResult> Out() => Output;

    /// <summary>What a simple in-memory computation over the same input gives: every (key, window, count).</summary>
    public static List<WindowResult> Reference(long records, int seed, WindowAssigner assigner, bool? bursts = null)
    {
        var times = Enumerable.Range(0, (int)records).Select(n => (Key: KeyOf(n), Time: TimeOf(n, seed, bursts ?? assigner.Merging))).ToList();
        if (assigner.Merging)
        {
            var sessions = new List<WindowResult>();
            foreach (IGrouping<int, long> key in times.GroupBy(t => t.Key, t => t.Time))
            {
                long[] sorted = [.. key.Order()];
                int first = 0;
                for (int i = 1; i <= sorted.Length; i++)
                {
                    if (i == sorted.Length || sorted[i] > sorted[i - 1] + assigner.Gap)
                    {
                        sessions.Add(new WindowResult(key.Key, sorted[first], sorted[i - 1] + assigner.Gap, i - first));
                        first = i;
                    }
                }
            }
            return sessions;
        }
        var counts = new Dictionary<(int, TimeWindow), long>();
        Span<TimeWindow> windows = stackalloc TimeWindow[assigner.MaxWindowsPerRecord];
        foreach ((int key, long time) in times)
        {
            int count = assigner.Assign(time, windows);
            for (int i = 0; i < count; i++)
            {
                counts[(key, windows[i])] = counts.GetValueOrDefault((key, windows[i])) + 1;
            }
        }
        return [.. counts.Select(c => new WindowResult(c.Key.Item1, c.Key.Item2.Start, c.Key.Item2.End, c.Value))];
    }
}

/// <summary>One fired window: its key, bounds and count.</summary>
public readonly record struct WindowResult(int Key, long Start, long End, long Count);
