using DslFlow;

namespace DslFlow.ProcessHarness;

/// <summary>
/// Counts numbers per key and event-time window with keyed timers: each number has an event time two milliseconds
/// after the one before it, less a fixed jitter below the out-of-orderness bound (never late), and a timer at the end of
/// each key's window writes "key end count" to a transactional file sink. A run killed any number of times commits the
/// same lines as a run without failures: each timer fires once, with every record of its window counted.
/// </summary>
[Pipeline(DefaultParallelism = 2), Checkpointing(IntervalMs = 20)] // the harness sets the same interval in its options
public static partial class TimerKillRestartPipeline
{
    public const long WindowMs = 100;
    public const int Keys = 31;

    public static long RecordCount { get; set; } = 60_000;

    public static double? RecordsPerSecond { get; set; }

    public static string OutputDirectory { get; set; } = "out";

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 40, IntervalMs = 10)]
    public static SequenceSource Numbers() => new(0, RecordCount) { RecordsPerSecond = RecordsPerSecond };

    public static long TimeOf(long value) => 1_000_000 + value * 2 - value * 7_919 % 40;

    public static long KeyOf(long value) => value % Keys;

    [Process(nameof(Numbers), KeyBy = nameof(KeyOf))]
    public static void Count(long value, MapState<long, long> windows, Collector<string> output, TimerService timers)
    {
        long time = TimeOf(value);
        long end = time - time % WindowMs + WindowMs - 1;
        if (end <= timers.CurrentWatermark)
        {
            output.Emit($"late {value}"); // never expected: the comparison with the reference run fails on it
            return;
        }
        windows[end] = windows.TryGetValue(end, out long count) ? count + 1 : 1;
        timers.RegisterEventTimeTimer(end);
    }

    [OnTimer(nameof(Count))]
    public static void Emit(long time, long key, Collector<string> output, MapState<long, long> windows)
    {
        output.Emit($"{key} {time} {(windows.TryGetValue(time, out long count) ? count : 0)}");
        windows.Remove(time);
    }

    [Sink(nameof(Count))]
    public static FileSink<string> Committed() => new(OutputDirectory);
}
