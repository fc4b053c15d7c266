using DslFlow;

namespace DslFlow.ProcessHarness;

/// <summary>
/// Counts numbers per key in sliding event-time windows declared with <c>[Window]</c> (100 ms every 50 ms; the times as
/// in <see cref="TimerKillRestartPipeline"/>: out of order within the bound, never late) and writes "key start end count"
/// per fired window to a transactional file sink. A run killed any number of times commits the same lines as a run
/// without failures: each window fires once, with every record of it counted.
/// </summary>
[Pipeline(DefaultParallelism = 2), Checkpointing(IntervalMs = 20)] // the harness sets the same interval in its options
public static partial class WindowKillRestartPipeline
{
    public static long RecordCount { get; set; } = 60_000;

    public static double? RecordsPerSecond { get; set; }

    public static string OutputDirectory { get; set; } = "out";

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 40, IntervalMs = 10)]
    public static SequenceSource Numbers() => new(0, RecordCount) { RecordsPerSecond = RecordsPerSecond };

    public static long TimeOf(long value) => TimerKillRestartPipeline.TimeOf(value);

    public static long KeyOf(long value) => value % TimerKillRestartPipeline.Keys;

    [Window(nameof(Numbers), KeyBy = nameof(KeyOf), SizeMs = 100, SlideMs = 50, Result = nameof(Line))]
    public static long Count(long value, long count) => count + 1;

    public static string Line(long key, TimeWindow window, long count) => $"{key} {window.Start} {window.End} {count}";

    [Sink(nameof(Count))]
    public static FileSink<string> Committed() => new(OutputDirectory);
}
