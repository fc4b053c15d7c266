namespace DslFlow.Runtime.Tests.Pipelines;

/// <summary>Keyed counting: a sink chained to the keyed node records which subtask saw each key.</summary>
[Pipeline]
public static partial class KeyedCountPipeline
{
    public static (string Key, int Value)[] Input { get; set; } = [];

    public static CollectSink<(string Key, long Count)> Output { get; set; } = new();

    [Source(Parallelism = 1)]
    public static CollectionSource<(string Key, int Value)> Events() => new(Input);

    [Map(nameof(Events), KeyBy = nameof(KeyOf))]
    public static (string Key, long Count) Count((string Key, int Value) e, ValueState<long> count)
    {
        count.Value++;
        return (e.Key, count.Value);
    }

    private static string KeyOf((string Key, int Value) e) => e.Key;

    [Sink(nameof(Count))]
    public static CollectSink<(string Key, long Count)> Out() => Output;
}

/// <summary>List and map state under a composite (tuple) key.</summary>
[Pipeline]
public static partial class ListMapStatePipeline
{
    public static (int Shard, string User, int Amount)[] Input { get; set; } = [];

    public static CollectSink<string> Output { get; set; } = new();

    [Source]
    public static CollectionSource<(int Shard, string User, int Amount)> Payments() => new(Input);

    [Process(nameof(Payments), KeyBy = nameof(ShardAndUser))]
    public static void Track((int Shard, string User, int Amount) p, ListState<int> lastThree, MapState<bool, int> countByParity, Collector<string> output)
    {
        lastThree.Add(p.Amount);
        if (lastThree.Count > 3)
        {
            lastThree.Update(lastThree.Items.Skip(1));
        }
        bool even = p.Amount % 2 == 0;
        countByParity[even] = countByParity.TryGetValue(even, out int n) ? n + 1 : 1;
        output.Emit($"{p.Shard}/{p.User}: last [{string.Join(",", lastThree.Items)}] even {(countByParity.TryGetValue(true, out int e) ? e : 0)} odd {(countByParity.TryGetValue(false, out int o) ? o : 0)}");
    }

    private static (int, string) ShardAndUser((int Shard, string User, int Amount) p) => (p.Shard, p.User);

    [Sink(nameof(Track), Parallelism = 1)]
    public static CollectSink<string> Out() => Output;
}
