namespace DslFlow.Serialization;

/// <summary>Conveniences for one value at a time (tests, small channel state); hot paths reuse a <see cref="StateBuffer"/>.</summary>
public static class SerializerExtensions
{
    /// <summary>Serializes <paramref name="value"/> to a new array.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="serializer">The serializer.</param>
    /// <param name="value">The value.</param>
    /// <returns>The bytes.</returns>
    public static byte[] ToBytes<T>(this ISerializer<T> serializer, T value)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        using var buffer = new StateBuffer();
        var writer = new StateWriter(buffer);
        serializer.Write(ref writer, value);
        return buffer.ToArray();
    }

    /// <summary>Deserializes one value that spans all of <paramref name="bytes"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="serializer">The serializer.</param>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The value.</returns>
    /// <exception cref="StateFormatException">The bytes are truncated or malformed, or bytes follow the value.</exception>
    public static T FromBytes<T>(this ISerializer<T> serializer, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        var reader = new StateReader(bytes);
        T value = serializer.Read(ref reader);
        reader.ExpectEnd();
        return value;
    }
}
