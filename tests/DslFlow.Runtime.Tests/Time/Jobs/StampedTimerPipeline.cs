namespace DslFlow.Runtime.Tests.Time.Jobs;

/// <summary>A number and the event time a node stamped on it.</summary>
public readonly record struct Stamped(long N, long Time);

/// <summary>
/// <see cref="WindowTimerPipeline"/>'s windows with event time assigned after the source, by a node in another task
/// (Flink's <c>assignTimestampsAndWatermarks</c> after a map): the source has no [Watermarks]; a rebalanced map stamps
/// each number with its event time and its task emits the watermarks the keyed timers downstream fire on.
/// </summary>
[Pipeline]
public static partial class StampedTimerPipeline
{
    public static CollectSink<WindowCount> Output { get; set; } = new();

    [Source(Parallelism = 1)]
    public static SequenceSource Numbers() => new(0, WindowTimerPipeline.RecordCount) { RecordsPerSecond = WindowTimerPipeline.RecordsPerSecond };

    [Map(nameof(Numbers), Partitioning = Partitioning.Rebalance), Watermarks(nameof(TimeOf), OutOfOrdernessMs = WindowTimerPipeline.BoundMs, IntervalMs = 5)]
    public static Stamped Stamp(long n) => new(n, WindowTimerPipeline.EventTime(n));

    public static long TimeOf(Stamped stamped) => stamped.Time;

    public static int KeyOf(Stamped stamped) => WindowTimerPipeline.KeyOf(stamped.N);

    [Process(nameof(Stamp), KeyBy = nameof(KeyOf))]
    public static void Count(Stamped stamped, MapState<long, long> windows, ValueState<long> lastFired, Collector<WindowCount> output, TimerService timers)
    {
        WindowTimerPipeline.Failures.OnRecord();
        long end = WindowTimerPipeline.WindowEnd(stamped.Time);
        if (end <= timers.CurrentWatermark)
        {
            output.Emit(new WindowCount(KeyOf(stamped), end, -1, timers.CurrentWatermark, InOrder: true)); // late
            return;
        }
        windows[end] = windows.TryGetValue(end, out long count) ? count + 1 : 1;
        timers.RegisterEventTimeTimer(end);
    }

    [OnTimer(nameof(Count))]
    public static void EmitWindow(long time, int key, Collector<WindowCount> output, MapState<long, long> windows, ValueState<long> lastFired, TimerService timers)
    {
        WindowTimerPipeline.Failures.OnTimer();
        bool inOrder = time > lastFired.Value;
        lastFired.Value = time;
        output.Emit(new WindowCount(key, time, windows.TryGetValue(time, out long count) ? count : 0, timers.CurrentWatermark, inOrder));
        windows.Remove(time);
    }

    [Sink(nameof(Count))]
    public static CollectSink<WindowCount> Out() => Output;
}
