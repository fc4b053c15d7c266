namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>A chain whose nesting grows with the data: one level per link.</summary>
public sealed record Link(int Value, Link? Next);

/// <summary>A chain with nothing but its link: one byte per level, the cheapest nesting a crafted file can hold.</summary>
public sealed class Hop
{
    public Hop? Next { get; init; }
}

/// <summary>A tree of classes: nesting goes through a list.</summary>
public sealed class Branch
{
    public string Name { get; init; } = "";

    public List<Branch> Children { get; init; } = [];
}

/// <summary>A struct that nests through a list (a struct cannot hold itself directly).</summary>
public readonly record struct Knot(short Id, List<Knot> Inner);

/// <summary>A struct with no members: its generated serializer writes no bytes, so a count of them costs nothing to forge.</summary>
public readonly record struct Tick;

/// <summary>A struct of several members, some nullable and some collections.</summary>
public readonly record struct Reading(long At, double? Value, string[] Tags, Dictionary<string, int> Counts);

/// <summary>
/// Declares state of the shapes above so the generator emits their serializers, which the serialization tests take
/// (<see cref="GeneratedSerializers"/>). Never run.
/// </summary>
[Pipeline]
public static partial class StateShapesPipeline
{
    [Source]
    public static CollectionSource<string> Keys() => new(Array.Empty<string>());

    [Process(nameof(Keys), KeyBy = nameof(Identity))]
    public static void Hold(string key, ValueState<Link> chain, ValueState<Hop> hops, ValueState<Branch> tree,
        ValueState<Knot> knot, ListState<Tick> ticks, MapState<string, Reading> readings, Collector<string> output) =>
        output.Emit(key);

    [Sink(nameof(Hold))]
    public static DiscardSink<string> Out() => new();

    private static string Identity(string key) => key;
}
