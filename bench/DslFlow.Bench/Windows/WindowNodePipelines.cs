using DslFlow;
using DslFlow.Bench.Throughput;

namespace DslFlow.Bench.Windows;

/// <summary>
/// The same counts as <see cref="WindowCountPipeline"/>, declared as users write them: one <c>[Window]</c> node per
/// kind (tumbling 1 s, sliding 1 s every 100 ms, sessions with a 200 ms gap), each in its own pipeline so a run
/// measures one. The window nodes take event time from the source's assigner.
/// </summary>
internal static class WindowNodes
{
    public static long Records { get; set; }

    public static ChecksumSink Sink { get; set; } = new();
}

[Pipeline]
internal static partial class TumblingNodePipeline
{
    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1, IntervalMs = 200)]
    public static SequenceSource Numbers() => new(0, WindowNodes.Records);

    public static long TimeOf(long x) => WindowLoop.TimeOf(x);

    public static long Key(long x) => WindowLoop.KeyOf(x);

    [Window(nameof(Numbers), KeyBy = nameof(Key), SizeMs = 1_000, Result = nameof(Emit))]
    public static long Count(long x, long count) => count + 1;

    public static long Emit(long key, TimeWindow window, long count) => WindowLoop.Checksum(key, window, count);

    [Sink(nameof(Count))]
    public static ChecksumSink Out() => WindowNodes.Sink;
}

[Pipeline]
internal static partial class SlidingNodePipeline
{
    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1, IntervalMs = 200)]
    public static SequenceSource Numbers() => new(0, WindowNodes.Records);

    public static long TimeOf(long x) => WindowLoop.TimeOf(x);

    public static long Key(long x) => WindowLoop.KeyOf(x);

    [Window(nameof(Numbers), KeyBy = nameof(Key), SizeMs = 1_000, SlideMs = 100, Result = nameof(Emit))]
    public static long Count(long x, long count) => count + 1;

    public static long Emit(long key, TimeWindow window, long count) => WindowLoop.Checksum(key, window, count);

    [Sink(nameof(Count))]
    public static ChecksumSink Out() => WindowNodes.Sink;
}

[Pipeline]
internal static partial class SessionNodePipeline
{
    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1, IntervalMs = 200)]
    public static SequenceSource Numbers() => new(0, WindowNodes.Records);

    public static long TimeOf(long x) => WindowLoop.TimeOf(x);

    public static long Key(long x) => WindowLoop.KeyOf(x);

    [Window(nameof(Numbers), KeyBy = nameof(Key), GapMs = 200, Result = nameof(Emit), Merge = nameof(Add))]
    public static long Count(long x, long count) => count + 1;

    public static long Add(long a, long b) => a + b;

    public static long Emit(long key, TimeWindow window, long count) => WindowLoop.Checksum(key, window, count);

    [Sink(nameof(Count))]
    public static ChecksumSink Out() => WindowNodes.Sink;
}
