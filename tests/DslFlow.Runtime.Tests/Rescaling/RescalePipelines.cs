namespace DslFlow.Runtime.Tests.Rescaling;

/// <summary>
/// The topologies of Flink's <c>UnalignedCheckpointRescaleITCase</c>, each ending in a keyed verifier that sleeps
/// 1 ms per record in the first run (so its inputs back up and every unaligned checkpoint persists in-flight records)
/// and a sink that checks each record reached the subtask owning its key group. Settings are shared: the tests that
/// use these pipelines run one at a time.
/// </summary>
internal static class RescaleRun
{
    public const int Keys = 128;

    public static long RecordsPerSource { get; set; }

    public static double? RecordsPerSecond { get; set; }

    public static bool Slow { get; set; }

    public static KeyGroupCheckingSink<Seen> Sink { get; set; } = new(new CollectSink<Seen>(), s => KeyGroupOf(s.Value), 128);

    public static int KeyOf(long value) => (int)(value % Keys);

    public static int KeyGroupOf(long value) => KeyGroups.Assign(StableHash.Of(KeyOf(value)), 128);

    public static SequenceSource Range(int index) =>
        new(index * RecordsPerSource, (index + 1) * RecordsPerSource) { RecordsPerSecond = RecordsPerSecond };

    public static Seen Check(long value, ValueState<long> seen)
    {
        if (Slow)
        {
            Thread.Sleep(1);
        }
        seen.Value++;
        return new Seen(value, seen.Value);
    }
}

/// <summary>A value as the keyed verifier saw it, with the running count of its key.</summary>
public readonly record struct Seen(long Value, long CountOfKey);

/// <summary>source → rebalance → map → keyed verifier → sink.</summary>
[Pipeline(MaxParallelism = 128)]
public static partial class RescalePipeline
{
    [Source]
    public static SequenceSource Numbers() => RescaleRun.Range(0);

    [Map(nameof(Numbers), Partitioning = Partitioning.Rebalance)]
    public static long Shuffle(long value) => value;

    [Map(nameof(Shuffle), KeyBy = nameof(KeyOf))]
    public static Seen Verify(long value, ValueState<long> seen) => RescaleRun.Check(value, seen);

    [Sink(nameof(Verify))]
    public static KeyGroupCheckingSink<Seen> Out() => RescaleRun.Sink;

    public static int KeyOf(long value) => RescaleRun.KeyOf(value);
}

/// <summary>Two sources, unioned into one keyed verifier → sink.</summary>
[Pipeline(MaxParallelism = 128)]
public static partial class RescaleUnion
{
    [Source]
    public static SequenceSource Left() => RescaleRun.Range(0);

    [Source]
    public static SequenceSource Right() => RescaleRun.Range(1);

    [Map(nameof(Left), nameof(Right), KeyBy = nameof(KeyOf))]
    public static Seen Verify(long value, ValueState<long> seen) => RescaleRun.Check(value, seen);

    [Sink(nameof(Verify))]
    public static KeyGroupCheckingSink<Seen> Out() => RescaleRun.Sink;

    public static int KeyOf(long value) => RescaleRun.KeyOf(value);
}

/// <summary>
/// Three inputs of different shapes into one task: a forward edge (same parallelism; stays aligned), a rebalance edge from
/// a single-subtask source, and a rebalance edge — then a keyed verifier → sink.
/// </summary>
[Pipeline(MaxParallelism = 128)]
public static partial class RescaleMultiInput
{
    [Source]
    public static SequenceSource Forwarded() => RescaleRun.Range(0);

    [Source(Parallelism = 1)]
    public static SequenceSource Single() => RescaleRun.Range(1);

    [Source(Parallelism = 3)]
    public static SequenceSource Third() => RescaleRun.Range(2);

    [Map(nameof(Forwarded), nameof(Single), nameof(Third))]
    public static long Merge(long value) => value;

    [Map(nameof(Merge), KeyBy = nameof(KeyOf))]
    public static Seen Verify(long value, ValueState<long> seen) => RescaleRun.Check(value, seen);

    [Sink(nameof(Verify))]
    public static KeyGroupCheckingSink<Seen> Out() => RescaleRun.Sink;

    public static int KeyOf(long value) => RescaleRun.KeyOf(value);
}
