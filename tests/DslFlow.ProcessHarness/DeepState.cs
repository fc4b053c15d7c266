using System.Reflection;
using DslFlow;
using DslFlow.Serialization;

namespace DslFlow.ProcessHarness;

/// <summary>A chain with nothing but its link: one byte per level when saved.</summary>
public sealed class Chain
{
    public Chain? Next { get; init; }
}

/// <summary>Declares <see cref="Chain"/> state so the generator writes its serializer. Never run.</summary>
[Pipeline]
public static partial class DeepStatePipeline
{
    [Source]
    public static CollectionSource<int> Numbers() => new(Array.Empty<int>());

    [Map(nameof(Numbers), KeyBy = nameof(Key))]
    public static int Hold(int value, ValueState<Chain> chain) => value;

    [Sink(nameof(Hold))]
    public static DiscardSink<int> Out() => new();

    private static int Key(int value) => value;
}

/// <summary>
/// The "deep-state" mode: reads a crafted chain nested a million levels deep (one byte per level), writes one, and
/// reads a chain within the nesting limit on a thread whose stack is too small for it. A stack overflow cannot be
/// caught — it kills the process — so the test runs this in a child and asserts that each step printed an exception
/// (or, on the small stack, possibly success) and the process exited normally.
/// </summary>
public static class DeepState
{
    private const int Levels = 1_000_000;

    public static int Run()
    {
        ISerializer<Chain> chains = GeneratedSerializer();
        byte[] crafted = new byte[Levels + 1];
        crafted.AsSpan(0, Levels).Fill(1); // "the next link is present", a million times, then a last link without one
        Report("read", () => chains.FromBytes(crafted));

        Chain? deep = null;
        for (int i = 0; i < Levels; i++)
        {
            deep = new Chain { Next = deep };
        }
        Report("write", () => chains.ToBytes(deep!));

        byte[] withinLimit = new byte[1000];
        withinLimit.AsSpan(0, 999).Fill(1);
        var small = new Thread(() => Report("small stack", () => chains.FromBytes(withinLimit)), maxStackSize: 192 * 1024);
        small.Start();
        small.Join();
        return 0;
    }

    private static void Report(string step, Action action)
    {
        try
        {
            action();
            Console.WriteLine($"{step}: no exception");
        }
        catch (Exception e)
        {
            Console.WriteLine($"{step}: {e.GetType().Name}: {e.Message}");
        }
    }

    private static ISerializer<Chain> GeneratedSerializer()
    {
        Type type = typeof(DeepStatePipeline).GetNestedTypes(BindingFlags.NonPublic)
            .Single(t => t.GetInterfaces().Contains(typeof(ISerializer<Chain>)));
        return (ISerializer<Chain>)type.GetField("Instance", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
    }
}
