using DslFlow;
using DslFlow.Serialization;

namespace DslFlow.Bench.BackpressureCheckpoint;

/// <summary>
/// The shape of Flink's CheckpointingTimeBenchmark: parallelism 4, source → rebalance → map → rebalance → a sink step
/// that sleeps 1 ms per record (when <see cref="SlowSink"/> is set), 64-byte records. The sleep runs record by record
/// in the sink's task, so the task still takes barriers and mails between two records, as Flink's does.
/// </summary>
[Pipeline(DefaultParallelism = 4)]
public static partial class BackpressurePipeline
{
    /// <summary>When true the sink step sleeps 1 ms per record (backpressure); false measures throughput.</summary>
    public static volatile bool SlowSink;

    public static DiscardSink<Payload> Output { get; set; } = new();

    [Source]
    public static GeneratorSource<Payload> Records() => GeneratorSource<Payload>.Unbounded(i => new Payload(i, i, i, i, i, i, i, i));

    [Map(nameof(Records), Partitioning = Partitioning.Rebalance)]
    public static Payload Touch(Payload p) => p with { B = p.B + 1 };

    [Map(nameof(Touch), Partitioning = Partitioning.Rebalance)]
    public static Payload SlowStep(Payload p)
    {
        if (SlowSink)
        {
            Thread.Sleep(1);
        }
        return p;
    }

    [Sink(nameof(SlowStep), AcceptAtLeastOnce = true)]
    public static DiscardSink<Payload> Out() => Output;
}

/// <summary>A 64-byte record (eight longs).</summary>
[Serializer(typeof(PayloadSerializer))]
public readonly record struct Payload(long A, long B, long C, long D, long E, long F, long G, long H);

/// <summary>Writes the eight longs as they are: 64 bytes per record of in-flight data.</summary>
public sealed class PayloadSerializer : ISerializer<Payload>
{
    public void Write(ref StateWriter writer, Payload value)
    {
        writer.WriteInt64(value.A);
        writer.WriteInt64(value.B);
        writer.WriteInt64(value.C);
        writer.WriteInt64(value.D);
        writer.WriteInt64(value.E);
        writer.WriteInt64(value.F);
        writer.WriteInt64(value.G);
        writer.WriteInt64(value.H);
    }

    public Payload Read(ref StateReader reader) => new(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(),
        reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64());
}
