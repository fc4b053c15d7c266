using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>Serializes, checks the reader consumed exactly the bytes written, and returns the value read.</summary>
internal static class RoundTrip
{
    public static T Of<T>(ISerializer<T> serializer, T value)
    {
        byte[] bytes = serializer.ToBytes(value);
        T first = serializer.FromBytes(bytes);
        // Written after other data too: a serializer must not depend on starting at offset 0.
        using var buffer = new StateBuffer(4);
        var writer = new StateWriter(buffer);
        writer.WriteInt32(0x5EED);
        serializer.Write(ref writer, value);
        writer.WriteInt32(0x7A11);
        var reader = new StateReader(buffer.WrittenSpan);
        Assert.Equal(0x5EED, reader.ReadInt32());
        T second = serializer.Read(ref reader);
        Assert.Equal(0x7A11, reader.ReadInt32());
        Assert.True(reader.End);
        Assert.Equal(bytes, serializer.ToBytes(second));
        return first;
    }

    public static void AssertEqual<T>(ISerializer<T> serializer, T value) => Assert.Equal(value, Of(serializer, value));
}
