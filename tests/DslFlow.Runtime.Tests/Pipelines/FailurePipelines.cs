namespace DslFlow.Runtime.Tests.Pipelines;

/// <summary>A map that throws on one record.</summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class ThrowingPipeline
{
    public static long Poison { get; set; } = 777;

    [Source]
    public static SequenceSource Numbers() => new(0, 100_000);

    [Map(nameof(Numbers))]
    public static long Check(long x) => x == Poison ? throw new FormatException($"cannot handle {x}") : x;

    [Sink(nameof(Check))]
    public static DiscardSink<long> Out() => new();
}

/// <summary>An endless source into a slow sink behind a channel: backpressure must bound what is in flight.</summary>
[Pipeline]
public static partial class SlowSinkPipeline
{
    public static int SpinPerRecord { get; set; } = 200;

    [Source]
    public static SequenceSource Numbers() => SequenceSource.Unbounded();

    [Sink(nameof(Numbers), Partitioning = Partitioning.Rebalance)]
    public static SlowSink Out() => new(SpinPerRecord);
}

/// <summary>A sink that spends time on every record.</summary>
public sealed class SlowSink(int spins) : ISink<long>
{
    public ISinkWriter<long> CreateWriter(NodeContext context) => new Writer(spins);

    private sealed class Writer(int spins) : ISinkWriter<long>
    {
        public void Write(ReadOnlySpan<long> records)
        {
            for (int i = 0; i < records.Length; i++)
            {
                Thread.SpinWait(spins);
            }
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
