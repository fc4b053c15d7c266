namespace DslFlow.Runtime.Tests.Hosting;

/// <summary>A pipeline the hosting tests run: numbers, rebalanced to a map, collected. Settings are shared: one test at a time.</summary>
[Pipeline(DefaultParallelism = 1)]
public static partial class HostedPipeline
{
    public static long Records { get; set; } = 10_000;

    public static double? RecordsPerSecond { get; set; }

    public static CollectSink<long> Output { get; set; } = new();

    [Source]
    public static SequenceSource Numbers() => new(0, Records) { RecordsPerSecond = RecordsPerSecond };

    [Map(nameof(Numbers), Partitioning = Partitioning.Rebalance)]
    public static long Double(long value) => value * 2;

    [Sink(nameof(Double))]
    public static CollectSink<long> Out() => Output;
}
