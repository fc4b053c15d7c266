using DslFlow;
using DslFlow.Bench.Throughput;

namespace DslFlow.Bench.Windows;

/// <summary>
/// A keyed window count over <see cref="WindowLoop.Keys"/> keys, 100 records per millisecond of event time in order
/// (bound 1 ms, watermarks every 200 ms): the window node is a keyed <c>[Process]</c> node whose windows are a
/// <c>MapState&lt;TimeWindow, long&gt;</c> and whose firings are its timers, done by one <see cref="WindowOperator{TKey,TIn,TAcc,TOut}"/>;
/// each fired window emits a checksum of (key, window, count) that the hand-written loop must match.
/// </summary>
[Pipeline]
internal static partial class WindowCountPipeline
{
    public static long Records { get; set; }

    public static ChecksumSink Sink { get; set; } = new();

    public static WindowOperator<long, long, long, long> Windows { get; set; } = Create(WindowAssigner.Tumbling("Count", 1_000));

    public static WindowOperator<long, long, long, long> Create(WindowAssigner assigner) =>
        new("Count", assigner, TimeDomain.EventTime, 0, static (count, _) => count + 1, static (a, b) => a + b,
            static (key, window, count) => WindowLoop.Checksum(key, window, count));

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1, IntervalMs = 200)]
    public static SequenceSource Numbers() => new(0, Records);

    public static long TimeOf(long x) => WindowLoop.TimeOf(x);

    public static long Key(long x) => WindowLoop.KeyOf(x);

    [Process(nameof(Numbers), KeyBy = nameof(Key))]
    public static void Count(long x, MapState<TimeWindow, long> windows, Collector<long> output, TimerService timers) =>
        Windows.OnElement(WindowLoop.KeyOf(x), x, WindowLoop.TimeOf(x), windows, timers, output, late: null);

    [OnTimer(nameof(Count))]
    public static void Fire(long time, long key, TimeDomain domain, Collector<long> output, MapState<TimeWindow, long> windows) =>
        Windows.OnTimer(key, time, domain, windows, output);

    [Sink(nameof(Count))]
    public static ChecksumSink Out() => Sink;
}
