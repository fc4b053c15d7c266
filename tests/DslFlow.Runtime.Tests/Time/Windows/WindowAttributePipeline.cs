using DslFlow.Runtime.Tests.Time.Jobs;

namespace DslFlow.Runtime.Tests.Time.Windows;

/// <summary>
/// The same counts as <see cref="WindowedCountPipeline"/>, declared with <c>[Window]</c>: tumbling, sliding and session
/// windows over one source, each with its sink. Timestamps come in bursts (see <see cref="WindowedCountPipeline.TimeOf"/>);
/// the window nodes take them from the source's assigner. Failures are injected in the tumbling node's aggregate.
/// </summary>
[Pipeline]
public static partial class WindowAttributePipeline
{
    public static long RecordCount { get; set; } = 10_000;

    public static int Seed { get; set; }

    public static double? RecordsPerSecond { get; set; }

    public static TimerFailures Failures { get; set; } = new();

    public static CollectSink<WindowResult> TumblingOutput { get; set; } = new();

    public static CollectSink<WindowResult> SlidingOutput { get; set; } = new();

    public static CollectSink<WindowResult> SessionOutput { get; set; } = new();

    [Source, Watermarks(nameof(EventTime), OutOfOrdernessMs = WindowedCountPipeline.BoundMs, IntervalMs = 5)]
    public static SequenceSource Numbers() => new(0, RecordCount) { RecordsPerSecond = RecordsPerSecond };

    public static long EventTime(long n) => WindowedCountPipeline.TimeOf(n, Seed, bursts: true);

    public static int KeyOf(long n) => (int)(n % WindowedCountPipeline.Keys);

    [Window(nameof(Numbers), KeyBy = nameof(KeyOf), SizeMs = 100, Result = nameof(Emit))]
    public static long Tumbling(long n, long count)
    {
        Failures.OnRecord();
        return count + 1;
    }

    [Window(nameof(Numbers), KeyBy = nameof(KeyOf), SizeMs = 100, SlideMs = 25, Result = nameof(Emit))]
    public static long Sliding(long n, long count) => count + 1;

    [Window(nameof(Numbers), KeyBy = nameof(KeyOf), GapMs = 200, Result = nameof(Emit), Merge = nameof(Add))]
    public static long Sessions(long n, long count) => count + 1;

    public static WindowResult Emit(int key, TimeWindow window, long count) => new(key, window.Start, window.End, count);

    public static long Add(long a, long b) => a + b;

    [Sink(nameof(Tumbling))]
    public static CollectSink<WindowResult> TumblingOut() => TumblingOutput;

    [Sink(nameof(Sliding))]
    public static CollectSink<WindowResult> SlidingOut() => SlidingOutput;

    [Sink(nameof(Sessions))]
    public static CollectSink<WindowResult> SessionsOut() => SessionOutput;
}
