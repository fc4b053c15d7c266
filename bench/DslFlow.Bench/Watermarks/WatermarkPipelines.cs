using DslFlow;
using DslFlow.Bench.Throughput;

namespace DslFlow.Bench.Watermarks;

/// <summary>The throughput pipeline (source → map → filter → keyBy → count → checksum) with event time: watermarks every 200 ms.</summary>
[Pipeline]
internal static partial class EventTimeCountPipeline
{
    public static long Records { get; set; }

    public static ChecksumSink Sink { get; set; } = new();

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1_000, IntervalMs = 200)]
    public static SequenceSource Numbers() => new(0, Records);

    /// <summary>One millisecond of event time per record.</summary>
    public static long TimeOf(long x) => x;

    [Map(nameof(Numbers))]
    public static long Mix(long x) => Workload.Mix(x);

    [Filter(nameof(Mix))]
    public static bool Keep(long x) => Workload.Keep(x);

    [Map(nameof(Keep), KeyBy = nameof(Key))]
    public static long Count(long x, ValueState<long> count) => ++count.Value;

    public static long Key(long x) => Workload.Key(x);

    [Sink(nameof(Count))]
    public static ChecksumSink Out() => Sink;
}

/// <summary>
/// A keyed timer job: each record (one millisecond of event time apart) counts into its key's one-second window and
/// registers an event-time timer at the window's end (deduplicated per key and time); the timer emits the count.
/// </summary>
[Pipeline]
internal static partial class TimerCountPipeline
{
    public const long WindowMs = 1_000;

    public static long Records { get; set; }

    public static ChecksumSink Sink { get; set; } = new();

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1, IntervalMs = 200)]
    public static SequenceSource Numbers() => new(0, Records);

    public static long TimeOf(long x) => x;

    public static long Key(long x) => TimerLoop.KeyOf(x);

    [Process(nameof(Numbers), KeyBy = nameof(Key))]
    public static void Count(long x, MapState<long, long> windows, Collector<long> output, TimerService timers)
    {
        long end = TimerLoop.WindowEnd(x);
        windows[end] = windows.TryGetValue(end, out long count) ? count + 1 : 1;
        timers.RegisterEventTimeTimer(end);
    }

    [OnTimer(nameof(Count))]
    public static void Fire(long time, long key, Collector<long> output, MapState<long, long> windows)
    {
        output.Emit(TimerLoop.Checksum(key, time, windows.TryGetValue(time, out long count) ? count : 0));
        windows.Remove(time);
    }

    [Sink(nameof(Count))]
    public static ChecksumSink Out() => Sink;
}
