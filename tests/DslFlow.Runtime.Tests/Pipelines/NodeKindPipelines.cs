namespace DslFlow.Runtime.Tests.Pipelines;

/// <summary>Every operator kind in one fused chain: map → flat-map → filter → process → sink.</summary>
[Pipeline]
public static partial class AllKindsPipeline
{
    public static int[] Input { get; set; } = [];

    public static CollectSink<string> Output { get; set; } = new();

    [Source]
    public static CollectionSource<int> Numbers() => new(Input);

    [Map(nameof(Numbers))]
    public static long Double(int x) => 2L * x;

    [FlatMap(nameof(Double))]
    public static IEnumerable<long> WithNext(long x) => [x, x + 1];

    [Filter(nameof(WithNext))]
    public static bool Even(long x) => x % 2 == 0;

    [Process(nameof(Even))]
    public static void Describe(long x, Collector<string> output)
    {
        output.Emit($"v{x}");
        if (x % 4 == 0)
        {
            output.Emit($"q{x / 4}");
        }
    }

    [Sink(nameof(Describe))]
    public static CollectSink<string> Out() => Output;

    public static IEnumerable<string> Expected(IEnumerable<int> input) =>
        input.Select(x => 2L * x).SelectMany(x => new[] { x, x + 1 }).Where(x => x % 2 == 0)
            .SelectMany(x => x % 4 == 0 ? new[] { $"v{x}", $"q{x / 4}" } : [$"v{x}"]);
}

/// <summary>Fan-in: two sources of one type into one map; fan-out: the map feeds two sinks.</summary>
[Pipeline]
public static partial class FanInFanOutPipeline
{
    public static long Count { get; set; } = 1000;

    public static double SlowRate { get; set; } = 20_000;

    public static CollectSink<long> First { get; set; } = new();

    public static CollectSink<long> Second { get; set; } = new();

    [Source]
    public static SequenceSource Fast() => new(0, Count);

    [Source(Parallelism = 1)]
    public static SequenceSource Slow() => new(Count, 2 * Count) { RecordsPerSecond = SlowRate };

    [Map(nameof(Fast), nameof(Slow))]
    public static long Identity(long x) => x;

    [Sink(nameof(Identity))]
    public static CollectSink<long> ToFirst() => First;

    [Sink(nameof(Identity))]
    public static CollectSink<long> ToSecond() => Second;
}

/// <summary>Records with differing parallelism: rebalance into 3 subtasks, broadcast into 2.</summary>
[Pipeline]
public static partial class RedistributionPipeline
{
    public static CollectSink<long> Rebalanced { get; set; } = new();

    public static CollectSink<long> Broadcasted { get; set; } = new();

    [Source(Parallelism = 2)]
    public static SequenceSource Numbers() => new(0, 10_000);

    [Map(nameof(Numbers), Parallelism = 3)]
    public static long Spread(long x) => x;

    [Sink(nameof(Spread), Parallelism = 3)]
    public static CollectSink<long> ToRebalanced() => Rebalanced;

    [Sink(nameof(Numbers), Parallelism = 2, Partitioning = Partitioning.Broadcast)]
    public static CollectSink<long> ToBroadcast() => Broadcasted;
}
