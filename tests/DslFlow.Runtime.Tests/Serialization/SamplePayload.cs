using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>A value that exercises every built-in and composite, for truncation, corruption and determinism tests.</summary>
internal static class SamplePayload
{
    public enum Color : short { Red = 1, Blue = -2 }

    public static ISerializer<Dictionary<string, List<(int, Guid)>>> Nested =>
        Serializers.For<Dictionary<string, List<(int, Guid)>>>();

    public static ISerializer<(bool, byte, sbyte, short, ushort, uint, ulong)> Small =>
        Serializers.For<(bool, byte, sbyte, short, ushort, uint, ulong)>();

    public static ISerializer<(float, double, decimal, char, DateTime, DateTimeOffset, TimeSpan)> Wide =>
        Serializers.For<(float, double, decimal, char, DateTime, DateTimeOffset, TimeSpan)>();

    public static ISerializer<(Color?, long[], byte[], string, KeyValuePair<string, int?>, List<Color>)> Mixed =>
        Serializers.For<(Color?, long[], byte[], string, KeyValuePair<string, int?>, List<Color>)>();

    public static byte[] Bytes()
    {
        using var buffer = new StateBuffer();
        Write(buffer);
        return buffer.ToArray();
    }

    public static void Write(StateBuffer buffer)
    {
        var writer = new StateWriter(buffer);
        Nested.Write(ref writer, new() { ["a"] = [(1, Guid.Parse("9b2f2c1e-0d5c-4f7e-9a51-3f6f4c2c8d10"))], ["é😀"] = [], ["n"] = null! });
        Small.Write(ref writer, (true, 200, -100, short.MinValue, ushort.MaxValue, uint.MaxValue, ulong.MaxValue));
        Wide.Write(ref writer, (1.5f, -2.25, 79228162514264337593543950335m, 'ß',
            new DateTime(2024, 2, 29, 1, 2, 3, DateTimeKind.Utc), new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.FromHours(-3)),
            TimeSpan.FromDays(-3)));
        Mixed.Write(ref writer, (Color.Blue, [long.MinValue, 7], [1, 2, 3], "text 𝄞", new("k", 5), [Color.Red, (Color)9]));
    }

    /// <summary>Reads everything <see cref="Write"/> wrote and returns a printable digest of it.</summary>
    public static string Read(ReadOnlySpan<byte> bytes)
    {
        var reader = new StateReader(bytes);
        var nested = Nested.Read(ref reader);
        var small = Small.Read(ref reader);
        var wide = Wide.Read(ref reader);
        var mixed = Mixed.Read(ref reader);
        reader.ExpectEnd();
        return $"{nested.Count} {small} {wide} {mixed.Item1} {mixed.Item2.Length} {mixed.Item3!.Length} {mixed.Item4}";
    }
}
