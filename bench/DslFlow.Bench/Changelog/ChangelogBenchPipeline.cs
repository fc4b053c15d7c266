using DslFlow;

namespace DslFlow.Bench.Changelog;

/// <summary>
/// Issue 15's shape: a keyed <c>ValueState&lt;long&gt;</c> over <see cref="Keys"/> keys. The source first touches every
/// key once, as fast as it can (so the state holds all of them), then updates <see cref="UpdatesPerSecond"/> random
/// keys a second (10,000 per 100 ms checkpoint interval: 1 % of 1 M keys).
/// </summary>
[Pipeline]
public static partial class ChangelogBenchPipeline
{
    public static long Keys { get; set; } = 1_000_000;

    public static long UpdatesPerSecond { get; set; } = 100_000;

    public static PrefillThenRateSource Input { get; set; } = new();

    public static DiscardSink<long> Output { get; set; } = new();

    [Source]
    public static PrefillThenRateSource Numbers() => Input;

    [Map(nameof(Numbers), KeyBy = nameof(Key))]
    public static long Count(long key, ValueState<long> count) => ++count.Value;

    public static long Key(long key) => key;

    [Sink(nameof(Count), AcceptAtLeastOnce = true)]
    public static DiscardSink<long> Out() => Output;
}
