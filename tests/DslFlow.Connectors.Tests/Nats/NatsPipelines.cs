using DslFlow.Connectors.Nats;
using DslFlow.Connectors.Tests.Support;

namespace DslFlow.Connectors.Tests.Nats;

/// <summary>A JetStream stream (one split per subject) → a keyed map that fails on cue → another JetStream stream.</summary>
[Pipeline]
public static partial class StreamToStream
{
    public static string Url { get; set; } = "";

    public static string Input { get; set; } = "";

    public static string Output { get; set; } = "";

    public static int Subjects { get; set; } = 4;

    public static Failures Failures { get; set; } = new([]);

    [Source]
    public static JetStreamSource<Reading> Readings() => new(Url, Input, ReadingPayload.Json)
    {
        Subjects = [.. Enumerable.Range(0, Subjects).Select(i => $"{Input}.{i}")],
        Bounded = true,
    };

    [Map(nameof(Readings), KeyBy = nameof(KeyOf))]
    public static Reading Double(Reading reading)
    {
        Failures.OnRecord();
        return reading with { Value = reading.Value * 2 };
    }

    [Sink(nameof(Double))]
    public static JetStreamSink<Reading> Doubled() => new(Url, Output, $"{Output}.all", ReadingPayload.Json);

    public static long KeyOf(Reading reading) => reading.Id % 13;
}

/// <summary>A JetStream stream → a map that fails on cue → the in-memory transactional sink (the source alone).</summary>
[Pipeline]
public static partial class StreamToCollection
{
    public static string Url { get; set; } = "";

    public static string Input { get; set; } = "";

    public static IReadOnlyList<string> Subjects { get; set; } = [];

    public static Failures Failures { get; set; } = new([]);

    public static CollectSink<Reading> Output { get; set; } = new();

    [Source]
    public static JetStreamSource<Reading> Readings() => new(Url, Input, ReadingPayload.Json) { Subjects = Subjects, Bounded = true };

    [Map(nameof(Readings))]
    public static Reading Pass(Reading reading)
    {
        Failures.OnRecord();
        return reading;
    }

    [Sink(nameof(Pass))]
    public static CollectSink<Reading> Collected() => Output;
}
