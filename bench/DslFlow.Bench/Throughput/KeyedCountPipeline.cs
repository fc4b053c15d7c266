using DslFlow;

namespace DslFlow.Bench.Throughput;

/// <summary>source → map → filter (about half) → keyBy over 10 000 keys → count in ValueState → checksum sink.</summary>
[Pipeline]
internal static partial class KeyedCountPipeline
{
    public static long Records { get; set; }

    public static ChecksumSink Sink { get; set; } = new();

    [Source]
    public static SequenceSource Numbers() => new(0, Records);

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
