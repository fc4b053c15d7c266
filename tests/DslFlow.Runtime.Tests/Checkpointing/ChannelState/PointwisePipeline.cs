namespace DslFlow.Runtime.Tests.Checkpointing.ChannelState;

/// <summary>
/// source → forward → merge (also fed by a rebalanced single source) → broadcast → copy → keyed slow sink: under
/// backpressure every input queue fills, but only the rebalance and keyed channels may hold channel state.
/// </summary>
[Pipeline]
public static partial class PointwisePipeline
{
    public static volatile bool Slow = true;

    [Source]
    public static SequenceSource Forwarded() => SequenceSource.Unbounded(0, recordsPerSecond: 20_000);

    [Source(Parallelism = 1)]
    public static SequenceSource Single() => SequenceSource.Unbounded(1L << 40, recordsPerSecond: 5_000);

    [Map(nameof(Forwarded), nameof(Single))]
    public static long Merge(long value) => value;

    [Map(nameof(Merge), Partitioning = Partitioning.Broadcast)]
    public static long Copy(long value) => value;

    [Map(nameof(Copy), KeyBy = nameof(KeyOf))]
    public static long Verify(long value, ValueState<long> seen)
    {
        if (Slow)
        {
            Thread.Sleep(1);
        }
        seen.Value++;
        return value;
    }

    [Sink(nameof(Verify))]
    public static DiscardSink<long> Out() => new();

    public static int KeyOf(long value) => (int)(value % 64);
}
