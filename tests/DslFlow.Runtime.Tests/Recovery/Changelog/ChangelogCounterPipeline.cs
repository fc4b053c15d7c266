using DslFlow.Runtime.Tests.Recovery.Committed;

namespace DslFlow.Runtime.Tests.Recovery.Changelog;

/// <summary>What the counter emits per record: the key and what its value, list and map states hold after it.</summary>
public readonly record struct Counted(long Key, long Count, int Recent, long ByParity);

/// <summary>A gated source → keyed count in value, list and map state → a transactional collecting sink.</summary>
[Pipeline]
public static partial class ChangelogCounterPipeline
{
    public const int Keys = 13;

    public static GatedSource Input { get; set; } = new(0, 0);

    public static CollectSink<Counted> Output { get; set; } = new();

    [Source]
    public static GatedSource Numbers() => Input;

    [Process(nameof(Numbers), KeyBy = nameof(Key))]
    public static void Count(long value, ValueState<long> count, ListState<long> recent, MapState<long, long> byParity,
        Collector<Counted> output)
    {
        count.Value++;
        recent.Add(value);
        if (recent.Count > 3)
        {
            recent.Update(recent.Items.Skip(1).ToList());
        }
        long parity = value % 2;
        byParity[parity] = (byParity.TryGetValue(parity, out long seen) ? seen : 0) + 1;
        output.Emit(new Counted(Key(value), count.Value, recent.Count, byParity.Entries.Sum(e => e.Value)));
    }

    [Sink(nameof(Count))]
    public static CollectSink<Counted> Out() => Output;

    public static long Key(long value) => value % Keys;
}
