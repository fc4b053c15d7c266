namespace DslFlow.Runtime.Tests.Recovery.Committed;

// Three versions of one job ("counter"), as a user's upgrades would change it: the same graph; the state's type changed;
// the keyed node renamed (its state and task gone).

/// <summary>Version 1: a count per key in <c>Count.count</c> (a long).</summary>
[Pipeline]
public static partial class CounterV1
{
    [Source]
    public static GatedSource Numbers() => LedgerPipeline.Input;

    [Map(nameof(Numbers), KeyBy = nameof(Key))]
    public static long Count(long value, ValueState<long> count) => ++count.Value;

    [Sink(nameof(Count))]
    public static DiscardSink<long> Out() => new();

    public static long Key(long value) => value % 7;
}

/// <summary>Version 2: the same state name now holds a string.</summary>
[Pipeline]
public static partial class CounterV2
{
    [Source]
    public static GatedSource Numbers() => LedgerPipeline.Input;

    [Map(nameof(Numbers), KeyBy = nameof(Key))]
    public static long Count(long value, ValueState<string> count)
    {
        count.Value = (count.Value ?? "") + "x";
        return count.Value.Length;
    }

    [Sink(nameof(Count))]
    public static DiscardSink<long> Out() => new();

    public static long Key(long value) => value % 7;
}

/// <summary>Version 3: the keyed node renamed: <c>Count.count</c> and the task <c>Count</c> no longer exist.</summary>
[Pipeline]
public static partial class CounterV3
{
    [Source]
    public static GatedSource Numbers() => LedgerPipeline.Input;

    [Map(nameof(Numbers), KeyBy = nameof(Key))]
    public static long Tally(long value, ValueState<long> total) => ++total.Value;

    [Sink(nameof(Tally))]
    public static DiscardSink<long> Out() => new();

    public static long Key(long value) => value % 7;
}
