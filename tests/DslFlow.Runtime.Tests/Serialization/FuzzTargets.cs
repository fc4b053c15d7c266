using DslFlow.Checkpointing;
using DslFlow.Execution;
using DslFlow.Runtime.Tests.Pipelines;
using DslFlow.Serialization;
using DslFlow.State;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>A decoder under fuzzing: valid encodings to mutate, and how to decode one input.</summary>
/// <param name="Name">What is decoded, for failure messages.</param>
/// <param name="Samples">Valid encodings, the starting points of mutations.</param>
/// <param name="Decode">Decodes one input completely (trailing bytes are an error too).</param>
internal sealed record FuzzTarget(string Name, byte[][] Samples, Action<byte[]> Decode);

/// <summary>
/// Every built-in serializer, composites of them, the generated serializers of <see cref="StateShapesPipeline"/> and
/// <see cref="RecordStatePipeline"/>, and the runtime's own state formats (task snapshots, source splits, file
/// positions, keyed snapshots, channel state), each with a few valid encodings.
/// </summary>
internal static class FuzzTargets
{
    private enum Small : byte { A = 1, B = 200 }

    public static IEnumerable<FuzzTarget> All() => [.. BuiltIns(), .. Composites(), .. Generated(), .. RuntimeFormats()];

    private static IEnumerable<FuzzTarget> BuiltIns() =>
    [
        Of("bool", BooleanSerializer.Instance, true, false),
        Of("byte", ByteSerializer.Instance, (byte)0, byte.MaxValue),
        Of("sbyte", SByteSerializer.Instance, sbyte.MinValue, (sbyte)1),
        Of("short", Int16Serializer.Instance, short.MinValue, (short)7),
        Of("ushort", UInt16Serializer.Instance, ushort.MaxValue),
        Of("int", Int32Serializer.Instance, int.MinValue, -1, 1),
        Of("uint", UInt32Serializer.Instance, uint.MaxValue),
        Of("long", Int64Serializer.Instance, long.MinValue, 42L),
        Of("ulong", UInt64Serializer.Instance, ulong.MaxValue),
        Of("float", SingleSerializer.Instance, float.NaN, -0f, 1.5f),
        Of("double", DoubleSerializer.Instance, double.NegativeInfinity, 2.25),
        Of("decimal", DecimalSerializer.Instance, decimal.MinValue, 1.005m, 0m),
        Of("char", CharSerializer.Instance, 'ß', '\uD83D'),
        Of("string", StringSerializer.Instance, null, "", "plain", "é😀 𝄞"),
        Of("Guid", GuidSerializer.Instance, Guid.Parse("9b2f2c1e-0d5c-4f7e-9a51-3f6f4c2c8d10")),
        Of("DateTime", DateTimeSerializer.Instance, new DateTime(2024, 2, 29, 1, 2, 3, DateTimeKind.Utc), DateTime.MaxValue),
        Of("DateTimeOffset", DateTimeOffsetSerializer.Instance, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.FromHours(-3))),
        Of("TimeSpan", TimeSpanSerializer.Instance, TimeSpan.FromDays(-3), TimeSpan.MaxValue),
        Of("byte[]", ByteArraySerializer.Instance, null, [], [1, 2, 3, 255]),
        Of("enum : short", EnumSerializer<SamplePayload.Color>.Instance, SamplePayload.Color.Blue, (SamplePayload.Color)9),
        Of("enum : byte", EnumSerializer<Small>.Instance, Small.B),
        Of("int?", new NullableSerializer<int>(Int32Serializer.Instance), null, 5),
    ];

    private static IEnumerable<FuzzTarget> Composites() =>
    [
        Of("long[]", new ArraySerializer<long>(Int64Serializer.Instance), null, [], [long.MinValue, 0, 7]),
        Of("string?[]", new ArraySerializer<string?>(StringSerializer.Instance), ["a", null, ""]),
        Of("List<int>", new ListSerializer<int>(Int32Serializer.Instance), null, [], [.. Enumerable.Range(-3, 40)]),
        Of("List<List<string>>", Serializers.For<List<List<string>>>(), [["a", "b"], [], null!, ["c"]]),
        Of("Dictionary<string, int?>", new DictionarySerializer<string, int?>(StringSerializer.Instance!, new NullableSerializer<int>(Int32Serializer.Instance)),
            null, new Dictionary<string, int?> { ["a"] = 1, ["b"] = null }),
        Of("Dictionary<int, List<long>>", Serializers.For<Dictionary<int, List<long>>>(), new Dictionary<int, List<long>> { [1] = [2, 3], [4] = [] }),
        Of("KeyValuePair<string, long>", Serializers.For<KeyValuePair<string, long>>(), new KeyValuePair<string, long>("k", -5)),
        Of("(int, string)", Serializers.For<(int, string)>(), (1, "b")),
        Of("(bool, byte, short)", Serializers.For<(bool, byte, short)>(), (true, (byte)2, (short)3)),
        Of("(long, double, char, Guid)", Serializers.For<(long, double, char, Guid)>(), (1, 2, 'c', Guid.Empty)),
        Of("(5-tuple)", Serializers.For<(int, int, int, int, string)>(), (1, 2, 3, 4, "five")),
        Of("(6-tuple)", Serializers.For<(byte, byte, byte, byte, byte, int[])>(), (1, 2, 3, 4, 5, [6])),
        Of("(7-tuple)", Serializers.For<(decimal, decimal, DateTime, TimeSpan, long?, uint, List<string>)>(),
            (1m, 2m, DateTime.UnixEpoch, TimeSpan.Zero, null, 7u, ["x"])),
        Of("sample payload", new SamplePayloadSerializer(), 0),
    ];

    private static IEnumerable<FuzzTarget> Generated()
    {
        ISerializer<Tick> tick = GeneratedSerializers.Of<Tick>();
        ISerializer<Link> link = GeneratedSerializers.Of<Link>();
        return
        [
            Of("Link", link, new Link(1, new Link(2, null))),
            Of("Link?", new NullableReferenceSerializer<Link>(link), null, new Link(3, null)),
            Of("Hop", GeneratedSerializers.Of<Hop>(), new Hop { Next = new Hop { Next = new Hop() } }),
            Of("Branch", GeneratedSerializers.Of<Branch>(), new Branch { Name = "root", Children = [new() { Name = "leaf" }, new()] }),
            Of("Knot", GeneratedSerializers.Of<Knot>(), new Knot(1, [new Knot(2, []), new Knot(3, [new Knot(4, [])])])),
            Of("Reading", GeneratedSerializers.Of<Reading>(), new Reading(5, 1.5, ["t"], new() { ["a"] = 1 }), new Reading(0, null, [], [])),
            Of("Tick", tick, new Tick()),
            Of("Tick[]", new ArraySerializer<Tick>(tick), null, [], [new(), new(), new()]),
            Of("List<Tick>", new ListSerializer<Tick>(tick), [.. Enumerable.Repeat(new Tick(), 200)]),
            Of("Dictionary<string, Tick>", new DictionarySerializer<string, Tick>(StringSerializer.Instance!, tick),
                new Dictionary<string, Tick> { ["a"] = new(), ["b"] = new() }),
            Of("Summary", GeneratedSerializers.Of<Summary>(typeof(RecordStatePipeline)),
                new Summary("ann", 2, 30, new Purchase { Amount = 10, Size = "small", Tags = ["x"] })),
        ];
    }

    private static IEnumerable<FuzzTarget> RuntimeFormats()
    {
        ISerializer<Tick> tick = GeneratedSerializers.Of<Tick>();
        StateEntry[] states =
        [
            new("Count.count", StateScope.Keyed, []) { Descriptor = "ValueState<long>", Blocks = [new(3, 1, new byte[] { 1, 2, 3 }, default), new(9, 2, new byte[] { 4 }, default)] },
            new("source/Numbers", StateScope.OperatorList, [7]),
        ];
        byte[] file = new TaskStateSnapshot(1, 2, 128, states).Encode();
        var share = new FileLineShare([new FileSplit("/in/a.txt", new FileIdentity(10, 5, 7), 3), new FileSplit("/in/b.txt", new FileIdentity(4, 6, 8), 0)], ["/in/c.txt"], 1);
        return
        [
            new("task snapshot (state file payload)", [file], payload => TaskStateSnapshot.Decode(payload)),
            new("state file index", [Index(file)], index => StateFileIndex.Read(index, file.Length)),
            new("state blob", [Blob(Serializers.For<List<string>>(), ["a", "b"])], blob => StateBlob.Read(blob, Serializers.For<List<string>>())),
            new("source splits", [SourceSplit.EncodeList([new(0, 2, 5, [1, 2]), new(1, 2, 0, [])])], bytes => SourceSplit.DecodeList(bytes)),
            new("file-line position", [Position(share)], bytes => FileLineShare.Read(bytes)),
            new("sequence position", [[0x0A]], bytes => IndexedSourceReader<long>.ReadPosition(bytes)),
            new("keyed value block", [[3, 0, 0, 0, 0x02, (byte)'a', 9, 0, 0, 0, 3, 1, 0, 0, 0x02, (byte)'b', 8, 0, 0, 0]],
                bytes => State.HeapStates.Value<string, int>("Node.value", new KeyGroupRange(0, 127), StringSerializer.Instance!, Int32Serializer.Instance).RestoreBlock(3, 2, bytes, 128)),
            new("keyed list block", [[3, 0, 0, 0, 0x02, (byte)'a', 0x03, 0x02, (byte)'x', 0x00]],
                bytes => State.HeapStates.List<string, string?>("Node.list", new KeyGroupRange(0, 127)).RestoreBlock(3, 1, bytes, 128)),
            new("channel state of longs", [[0x01, 0x03, (byte)'u', (byte)'p', 0x01, 0x02, 0x02, 0x02, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x00]],
                bytes => ChannelStateRecorder<long>.Decode(bytes, Int64Serializer.Instance)),
            new("channel state of ticks", [[0x01, 0x03, (byte)'u', (byte)'p', 0x00, 0x01, 0x01, 0x05]],
                bytes => ChannelStateRecorder<Tick>.Decode(bytes, tick)),
        ];
    }

    private static FuzzTarget Of<T>(string name, ISerializer<T> serializer, params T[] values) =>
        new(name, [.. values.Select(serializer.ToBytes)], bytes => serializer.FromBytes(bytes));

    /// <summary>The index of a state file's payload, as its trailer places it.</summary>
    private static byte[] Index(byte[] payload)
    {
        (long offset, int length, _) = StateFileIndex.ReadTrailer(payload.AsSpan(payload.Length - StateFileIndex.TrailerLength));
        return payload.AsSpan((int)offset, length).ToArray();
    }

    private static byte[] Blob<T>(ISerializer<T> serializer, T value)
    {
        using var buffer = new StateBuffer();
        StateBlob.Write(buffer, serializer, value);
        return buffer.ToArray();
    }

    private static byte[] Position(FileLineShare share)
    {
        using var buffer = new StateBuffer();
        var writer = new StateWriter(buffer);
        share.Write(ref writer, 2);
        return buffer.ToArray();
    }

    /// <summary>The whole <see cref="SamplePayload"/> as one value, so every built-in is fuzzed in context.</summary>
    private sealed class SamplePayloadSerializer : ISerializer<int>
    {
        public void Write(ref StateWriter writer, int value) => SamplePayload.Write(writer.Buffer);

        public int Read(ref StateReader reader)
        {
            SamplePayload.Nested.Read(ref reader);
            SamplePayload.Small.Read(ref reader);
            SamplePayload.Wide.Read(ref reader);
            SamplePayload.Mixed.Read(ref reader);
            return 0;
        }
    }
}
