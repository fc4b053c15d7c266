using System.Text.Json.Serialization;
using DslFlow.Connectors.Nats;
using DslFlow.Connectors.PostgreSql;

namespace DslFlow.Bench.Connectors;

/// <summary>A row of the bench table.</summary>
public sealed record BenchRow(long Id, long Value);

/// <summary>A message of the bench streams.</summary>
public sealed record BenchMessage(long Id, long Value);

[JsonSerializable(typeof(BenchMessage))]
internal sealed partial class BenchJson : JsonSerializerContext;

/// <summary>Numbers → rows → <see cref="PostgresSink{T}"/> (insert mode: binary COPY per checkpoint interval, two-phase commit).</summary>
[Pipeline]
public static partial class PostgresSinkBench
{
    public static long Records { get; set; }

    public static string Database { get; set; } = "";

    [Source]
    public static SequenceSource Numbers() => new(0, Records);

    [Map(nameof(Numbers))]
    public static BenchRow ToRow(long value) => new(value, value * 3);

    [Sink(nameof(ToRow))]
    public static PostgresSink<BenchRow> Rows() => new(Database, "bench_rows");
}

/// <summary>A JetStream stream (four subjects) → straight into another stream through the exactly-once sink.</summary>
[Pipeline]
public static partial class JetStreamBench
{
    public static string Url { get; set; } = "";

    public static string Input { get; set; } = "";

    public static string Output { get; set; } = "";

    public static JetStreamPayload<BenchMessage> Payload { get; } = JetStreamPayload<BenchMessage>.Json(BenchJson.Default.BenchMessage);

    [Source]
    public static JetStreamSource<BenchMessage> Messages() => new(Url, Input, Payload)
    {
        Subjects = [.. Enumerable.Range(0, 4).Select(i => $"{Input}.{i}")],
        Bounded = true,
    };

    [Sink(nameof(Messages))]
    public static JetStreamSink<BenchMessage> Republished() => new(Url, Output, $"{Output}.all", Payload);
}
