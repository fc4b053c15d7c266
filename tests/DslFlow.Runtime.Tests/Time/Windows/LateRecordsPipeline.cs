using DslFlow.Runtime.Tests.Time.Jobs;

namespace DslFlow.Runtime.Tests.Time.Windows;

/// <summary>
/// A full-window function listing each 100 ms window's records per key, with a late-records output: records are out of
/// order within the bound (never late), except every <see cref="LateEvery"/>th, which is stamped two seconds early and
/// so arrives after its window fired (late, with no allowed lateness). Failures are injected per record (in the
/// timestamp method, which runs in the window task) and while windows fire.
/// </summary>
[Pipeline]
public static partial class LateRecordsPipeline
{
    public const long LateEvery = 40;

    public static long RecordCount { get; set; } = 10_000;

    public static int Seed { get; set; }

    public static double? RecordsPerSecond { get; set; }

    public static TimerFailures Failures { get; set; } = new();

    public static CollectSink<WindowList> Output { get; set; } = new();

    public static CollectSink<long> LateOutput { get; set; } = new();

    [Source, Watermarks(nameof(EventTime), OutOfOrdernessMs = WindowedCountPipeline.BoundMs, IntervalMs = 5)]
    public static SequenceSource Numbers() => new(0, RecordCount) { RecordsPerSecond = RecordsPerSecond };

    public static bool IsPlannedLate(long n) => n % LateEvery == LateEvery - 1 && n > 2_000;

    public static long EventTime(long n) => WindowedCountPipeline.TimeOf(n, Seed, bursts: false) - (IsPlannedLate(n) ? 2_000 : 0);

    public static long WindowTime(long n)
    {
        Failures.OnRecord();
        return EventTime(n);
    }

    public static int KeyOf(long n) => (int)(n % WindowedCountPipeline.Keys);

    [Window(nameof(Numbers), KeyBy = nameof(KeyOf), SizeMs = 100, TimestampOf = nameof(WindowTime), LateRecords = "LateNumbers")]
    public static void List(int key, TimeWindow window, IReadOnlyList<long> elements, Collector<WindowList> output)
    {
        Failures.OnTimer();
        output.Emit(new WindowList(key, window.Start, window.End, string.Join(",", elements.Order())));
    }

    [Sink(nameof(List))]
    public static CollectSink<WindowList> Out() => Output;

    [Sink("LateNumbers", Parallelism = 1)]
    public static CollectSink<long> LateOut() => LateOutput;
}

/// <summary>One fired window: its key, bounds and records (sorted, comma-separated).</summary>
public readonly record struct WindowList(int Key, long Start, long End, string Elements);
