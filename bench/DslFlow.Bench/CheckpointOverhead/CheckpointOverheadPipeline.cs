using DslFlow;

namespace DslFlow.Bench.CheckpointOverhead;

/// <summary>An unbounded source → keyBy over 1 M keys → count in ValueState → a sink that only counts (issue 14's shape).</summary>
[Pipeline]
public static partial class CheckpointOverheadPipeline
{
    /// <summary>The key space: every key is touched within a fraction of a second, so a checkpoint holds all of them.</summary>
    public const long Keys = 1_000_000;

    public static DiscardSink<long> Output { get; set; } = new();

    [Source]
    public static GeneratorSource<long> Numbers() => GeneratorSource<long>.Unbounded(i => i);

    [Map(nameof(Numbers), KeyBy = nameof(Key))]
    public static long Count(long x, ValueState<long> count) => ++count.Value;

    public static long Key(long x) => (((x * 0x9E3779B1L) ^ (x >> 3)) & long.MaxValue) % Keys;

    [Sink(nameof(Count), AcceptAtLeastOnce = true)]
    public static DiscardSink<long> Out() => Output;
}
