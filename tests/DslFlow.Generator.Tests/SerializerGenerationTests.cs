using System.Reflection;
using System.Text;
using System.Text.Json;
using DslFlow.Generator.Emit;
using DslFlow.Generator.Parsing;
using DslFlow.Generator.Tests.Infrastructure;
using DslFlow.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslFlow.Generator.Tests;

/// <summary>
/// The serializers the generator emits for keyed state: member-wise classes for user types round-trip every member,
/// and compositions of the runtime's serializers write exactly the bytes of the runtime's own lookup, so state written
/// by generated code and by <c>Serializers.For&lt;T&gt;()</c> reads back either way.
/// </summary>
public class SerializerGenerationTests
{
    private const string UserTypes = """
        using System;
        using System.Collections.Generic;
        using DslFlow;
        using Fixtures;

        namespace Shapes;

        public enum Color : byte { Red, Green }

        public record Person(string Name, int Age)
        {
            public string? Nickname { get; init; }
            public List<string> Tags { get; init; } = [];
            public string Display => Name + " (" + Age + ")";
        }

        public sealed class Account
        {
            public Account(Guid id) => Id = id;
            public Guid Id { get; }
            public decimal Balance { get; set; }
            public Dictionary<string, Person?> Owners { get; set; } = new();
            public Color Color { get; set; }
            public int[]? Pins { get; set; }
        }

        public struct Reading
        {
            public double Value;
            public DateTimeOffset At;
            public (string Unit, long Scale) Unit;
        }

        public readonly record struct Cell(int Row, int Column, Color? Tint);

        public class Shape { public string Kind { get; set; } = ""; }

        public sealed class Circle : Shape { public double Radius { get; init; } }

        public sealed record Box<T>(T Content, List<T> More);

        public sealed class Order
        {
            public required string Id { get; init; }
            public KeyValuePair<string, Cell>[] Cells { get; set; } = [];
        }

        public sealed record Tree(string Name, List<Tree> Children);

        public sealed class Link
        {
            public int Value { get; set; }
            public Link? Next { get; set; }
        }

        public sealed record Ping(int N, Pong? Pong);

        public sealed record Pong(string Text, Ping? Ping);

        [Pipeline]
        public partial class Holder
        {
            [Source] public static ArraySource<int> S() => new(1);

            private static int Key(int x) => x;

            [Process(From = nameof(S), KeyBy = nameof(Key))]
            public static void M(int x, ValueState<Person> a, ValueState<Account> b, ListState<Reading> c, MapState<Cell, Circle> d,
                ValueState<Box<Tree>> e, ValueState<Order> f, ListState<Link?> g, ValueState<Ping> h, ValueState<Shape> i, Collector<int> output) => output.Emit(x);

            [Sink(From = nameof(M))] public static QueueSink<int> Out() => new();
        }

        public static class Samples
        {
            public static object[] All() =>
            [
                new Person("Ann", 41) { Nickname = "A", Tags = ["x", "y"] },
                new Person("Bob", 0),
                new Account(Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff")) { Balance = 12.5m, Owners = { ["ann"] = new Person("Ann", 41), ["none"] = null }, Color = Color.Green, Pins = [1, 2] },
                new Account(Guid.Empty),
                new Reading { Value = 1.5, At = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)), Unit = ("m", 1000) },
                new Cell(1, 2, Color.Green),
                new Cell(3, 4, null),
                new Circle { Kind = "circle", Radius = 2 },
                new Box<Tree>(new Tree("root", [new Tree("a", []), new Tree("b", [new Tree("c", [])])]), []),
                new Order { Id = "o1", Cells = [new("k", new Cell(0, 0, null))] },
                new Link { Value = 1, Next = new Link { Value = 2 } },
                new Ping(1, new Pong("p", new Ping(2, null))),
                new Shape { Kind = "plain" },
            ];
        }
        """;

    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true };

    [Fact]
    public void UserRecordsClassesAndStructsRoundTripThroughTheGeneratedSerializers()
    {
        Assembly assembly = CompileAndLoad(UserTypes);
        Dictionary<Type, object> serializers = GeneratedSerializers(assembly.GetType("Shapes.Holder")!);
        object[] samples = (object[])assembly.GetType("Shapes.Samples")!.GetMethod("All")!.Invoke(null, null)!;

        foreach (object sample in samples)
        {
            Type type = sample.GetType();
            object serializer = serializers[type];
            byte[] bytes = ToBytes(type, serializer, sample);
            object? copy = FromBytes(type, serializer, bytes);

            Assert.Equal(JsonSerializer.Serialize(sample, type, Json), JsonSerializer.Serialize(copy, type, Json));
            Assert.Equal(bytes, ToBytes(type, serializer, copy));
        }
    }

    [Fact]
    public void MembersAreWrittenInDeclarationOrderWithoutFraming()
    {
        Assembly assembly = CompileAndLoad(UserTypes);
        Dictionary<Type, object> serializers = GeneratedSerializers(assembly.GetType("Shapes.Holder")!);
        Type cell = assembly.GetType("Shapes.Cell")!;
        Type color = assembly.GetType("Shapes.Color")!;
        object value = Activator.CreateInstance(cell, 1, 2, Enum.ToObject(color, 1))!;

        // Row (int32 LE), Column (int32 LE), Tint (presence byte, then the byte-sized enum).
        Assert.Equal(new byte[] { 1, 0, 0, 0, 2, 0, 0, 0, 1, 1 }, ToBytes(cell, serializers[cell], value));
    }

    [Fact]
    public void SavingADerivedInstanceThroughTheBaseClassSerializerThrows()
    {
        Assembly assembly = CompileAndLoad(UserTypes);
        Dictionary<Type, object> serializers = GeneratedSerializers(assembly.GetType("Shapes.Holder")!);
        Type shape = assembly.GetType("Shapes.Shape")!;
        object circle = Activator.CreateInstance(assembly.GetType("Shapes.Circle")!)!;

        var thrown = Assert.Throws<TargetInvocationException>(() => ToBytes(shape, serializers[shape], circle));
        NotSupportedException inner = Assert.IsType<NotSupportedException>(thrown.InnerException);
        Assert.Contains("'Shapes.Circle'", inner.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompositionsOfBuiltInsWriteTheBytesOfTheRuntimeLookup()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using DslFlow;
            using DslFlow.Serialization;

            namespace Probe;

            public enum Shade : short { Light, Dark = 300 }

            [Serializer(typeof(MoneySerializer))]
            public readonly record struct Money(long Cents);

            public sealed class MoneySerializer : ISerializer<Money>
            {
                public void Write(ref StateWriter writer, Money value) => writer.WriteVarInt64(value.Cents);

                public Money Read(ref StateReader reader) => new(reader.ReadVarInt64());
            }

            [Serializer(typeof(BoxSerializer<>))]
            public sealed class Box<T>(T value)
            {
                public T Value { get; } = value;
            }

            public sealed class BoxSerializer<T> : ISerializer<Box<T>>
            {
                private readonly ISerializer<T> _value = Serializers.For<T>();

                public void Write(ref StateWriter writer, Box<T> value) => _value.Write(ref writer, value.Value);

                public Box<T> Read(ref StateReader reader) => new(_value.Read(ref reader));
            }

            public static class Host
            {
            }

            public static class Cases
            {
                public static int F0; public static object[] V0 = [0, -1, int.MaxValue];
                public static string? F1; public static object?[] V1 = ["", "héllo 🌍", null];
                public static long? F2; public static object?[] V2 = [null, 5L, long.MinValue];
                public static int[]? F3; public static object?[] V3 = [null, Array.Empty<int>(), new[] { 1, 2, 3 }];
                public static byte[]? F4; public static object?[] V4 = [null, Array.Empty<byte>(), new byte[] { 1, 255 }];
                public static List<string?>? F5; public static object?[] V5 = [null, new List<string?> { "a", null, "" }];
                public static Dictionary<string, List<int>?>? F6; public static object?[] V6 = [new Dictionary<string, List<int>?> { ["a"] = [1, 2], ["b"] = null }];
                public static KeyValuePair<Guid, DateTime> F7; public static object[] V7 = [new KeyValuePair<Guid, DateTime>(Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"), new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc))];
                public static (int, string, decimal, TimeSpan, DateTimeOffset, double, Shade) F8; public static object[] V8 = [(1, "x", 1.5m, TimeSpan.FromSeconds(3), new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.FromHours(2)), double.NaN, Shade.Dark)];
                public static (float, char, bool, sbyte, short, ushort, uint) F9; public static object[] V9 = [(1.25f, 'ß', true, (sbyte)-3, (short)-300, (ushort)65000, 4_000_000_000u)];
                public static (ulong, byte) F10; public static object[] V10 = [(ulong.MaxValue, (byte)7)];
                public static Shade? F11; public static object?[] V11 = [null, Shade.Dark];
                public static Money F12; public static object[] V12 = [new Money(5), new Money(-1_000_000)];
                public static Box<int>? F13; public static object[] V13 = [new Box<int>(3)];
                public static List<Money>? F14; public static object[] V14 = [new List<Money> { new(1), new(2) }];
                public static Dictionary<int, Box<string>>? F15; public static object[] V15 = [new Dictionary<int, Box<string>> { [1] = new("one") }];
                public static KeyValuePair<string, int[]> F16; public static object[] V16 = [new KeyValuePair<string, int[]>("k", [4, 5])];
                public static Money?[]? F17; public static object[] V17 = [new Money?[] { new Money(1), null }];
            }
            """;
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        var resolver = new SerializerResolver(compilation, compilation.GetTypeByMetadataName("Probe.Host")!, CancellationToken.None);
        var fields = compilation.GetTypeByMetadataName("Probe.Cases")!.GetMembers().OfType<IFieldSymbol>().Where(f => f.Name.StartsWith('F')).ToList();
        var probe = new StringBuilder("#nullable enable\n#nullable disable warnings\nnamespace Probe;\npublic static class Generated\n{\n");
        foreach (IFieldSymbol field in fields)
        {
            SerializerResolution resolved = resolver.Resolve(field.Type);
            Assert.True(resolved.Problem is null, $"{field.Type}: {resolved.Problem}");
            probe.Append($"    public static object {field.Name} => {SerializerEmitter.Expression(resolved.Model!)};\n");
        }
        probe.Append("}\n");
        Assert.Empty(resolver.Classes);

        Assembly assembly = Load(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(probe.ToString(), GeneratorHarness.ParseOptions, path: "Probe.cs")));
        Type cases = assembly.GetType("Probe.Cases")!;
        Type generated = assembly.GetType("Probe.Generated")!;
        Assert.Equal(18, fields.Count);
        foreach (IFieldSymbol field in fields)
        {
            Type type = cases.GetField(field.Name)!.FieldType;
            object mine = generated.GetProperty(field.Name)!.GetValue(null)!;
            object runtime = Serializers.For(type);
            foreach (object? value in (object?[])cases.GetField("V" + field.Name[1..])!.GetValue(null)!)
            {
                byte[] expected = ToBytes(type, runtime, value);
                Assert.Equal(expected, ToBytes(type, mine, value));
                Assert.Equal(expected, ToBytes(type, mine, FromBytes(type, runtime, expected)));
                Assert.Equal(expected, ToBytes(type, runtime, FromBytes(type, mine, expected)));
            }
        }
    }

    [Theory]
    [InlineData("[Pipeline, Checkpointing(IntervalMs = 1000, Unaligned = true)]")]
    [InlineData("[Pipeline, Checkpointing(IntervalMs = 1000)]")]
    [InlineData("[Pipeline]")]
    public void RecordsInFlightGetGeneratedSerializersSoTheOptionsCanTurnUnalignedOn(string attributes)
    {
        string source = $$"""
            using DslFlow;
            using Fixtures;

            namespace Edges;

            public sealed record Event(string Id, Kind Kind, (int X, int Y)? At);

            public enum Kind { Click, View }

            {{attributes}}
            public partial class Clicks
            {
                [Source] public static ArraySource<Event> Events() => new(new Event("a", Kind.View, (1, 2)));

                private static string Id(Event e) => e.Id;

                [Map(From = nameof(Events), KeyBy = nameof(Id))]
                public static int Weight(Event e) => e.Kind == Kind.Click ? 2 : 1;

                [Sink(From = nameof(Weight))] public static QueueSink<int> Out() => new();
            }
            """;
        GeneratorRun run = GeneratorHarness.Run(source);
        run.AssertGeneratorQuiet();
        run.AssertCompilesCleanly();
        string generated = Assert.Single(run.GeneratedSources).SourceText.ToString();
        Assembly assembly = run.EmitAndLoad();
        Dictionary<Type, object> serializers = GeneratedSerializers(assembly.GetType("Edges.Clicks")!);

        Assert.Contains("ChainFactory.OneInput<global::Edges.Event>(ctx => new __Chain_Weight_Out(ctx, node_Out), "
            + "new global::DslFlow.Serialization.NullableReferenceSerializer<global::Edges.Event>(__DslFlowSerializer0.Instance)));", generated, StringComparison.Ordinal);
        Type type = assembly.GetType("Edges.Event")!;
        object sample = Activator.CreateInstance(type, "b", Enum.ToObject(assembly.GetType("Edges.Kind")!, 0), ((int, int)?)(3, 4))!;
        object serializer = serializers[type];
        Assert.Equal(sample, FromBytes(type, serializer, ToBytes(type, serializer, sample)));
    }

    [Fact]
    public void ARecordWithARequiredMemberTheSerializerCannotSetGetsNoSerializerAndStillCompiles()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using DslFlow;
            using Fixtures;

            namespace Edges;

            internal sealed record Tagged(string Id)
            {
                internal required int Secret { get; init; } // required but not saved: not public
            }

            [Pipeline]
            public partial class Tags
            {
                [Source] internal static ArraySource<Tagged> Incoming() => Make();

                private static ArraySource<Tagged> Make() => throw new System.NotSupportedException();

                private static string Id(Tagged t) => t.Id;

                [Map(From = nameof(Incoming), KeyBy = nameof(Id))]
                internal static int One(Tagged t) => 1;

                [Sink(From = nameof(One))] public static QueueSink<int> Out() => new();
            }
            """);

        run.AssertGeneratorQuiet();
        run.AssertCompilesCleanly(); // an object creation without the required member would not compile (CS9035)
        Assert.DoesNotContain("__DslFlowSerializer", Assert.Single(run.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnserializableRecordInFlightIsNoErrorWithoutDeclaredUnalignedCheckpointsAndGetsTheReasonInsteadOfASerializer()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using DslFlow;
            using Fixtures;

            namespace Edges;

            public sealed record Upload(string Id, Note Note, System.IO.Stream Body);

            public sealed record Note(string Text, Upload? Of); // resolved (and referring back) before Body fails

            [Pipeline, Checkpointing(IntervalMs = 1000)]
            public partial class Uploads
            {
                [Source] public static ArraySource<Upload> Incoming() => new(new Upload("a", new Note("n", null), System.IO.Stream.Null));

                private static string Id(Upload u) => u.Id;

                [Map(From = nameof(Incoming), KeyBy = nameof(Id))]
                public static int Size(Upload u) => 1;

                [Sink(From = nameof(Size))] public static QueueSink<int> Out() => new();
            }
            """);

        run.AssertGeneratorQuiet();
        run.AssertCompilesCleanly(); // no half-built serializer class of the recursive type is left behind
        string generated = Assert.Single(run.GeneratedSources).SourceText.ToString();
        // The analyzer's DSLF3005 text, which the runtime says if the options turn unaligned checkpoints on.
        Assert.Contains("ChainFactory.OneInput<global::Edges.Upload>(ctx => new __Chain_Size_Out(ctx, node_Out), unserializableRecords: "
            + "\"Records of type 'Upload' in flight on edge Incoming -> Size cannot be saved in unaligned checkpoints, which persist them: "
            + "'Upload.Body' of type 'System.IO.Stream' has no built-in serializer. Use supported types (", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("__DslFlowSerializer", generated, StringComparison.Ordinal);
    }

    private static Assembly CompileAndLoad(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        run.AssertGeneratorQuiet();
        run.AssertCompilesCleanly();
        return run.EmitAndLoad();
    }

    private static Assembly Load(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(stream.ToArray());
    }

    /// <summary>The generated serializer classes nested in a pipeline, by the type they serialize.</summary>
    private static Dictionary<Type, object> GeneratedSerializers(Type pipeline) =>
        pipeline.GetNestedTypes(BindingFlags.NonPublic)
            .Where(t => t.Name.StartsWith(SerializerResolver.ClassPrefix, StringComparison.Ordinal))
            .ToDictionary(
                t => t.GetInterfaces().Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISerializer<>)).GetGenericArguments()[0],
                t => t.GetField("Instance")!.GetValue(null)!);

    private static byte[] ToBytes(Type type, object serializer, object? value) =>
        (byte[])typeof(SerializerExtensions).GetMethod(nameof(SerializerExtensions.ToBytes))!.MakeGenericMethod(type).Invoke(null, [serializer, value])!;

    private static object? FromBytes(Type type, object serializer, byte[] bytes)
    {
        // FromBytes takes a ReadOnlySpan, which reflection cannot pass: go through a typed helper.
        MethodInfo helper = typeof(SerializerGenerationTests).GetMethod(nameof(FromBytesOf), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        return helper.Invoke(null, [serializer, bytes]);
    }

    private static T FromBytesOf<T>(ISerializer<T> serializer, byte[] bytes) => serializer.FromBytes(bytes);
}
