namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="long"/> values: 8 bytes, little endian.</summary>
public sealed class Int64Serializer : ISerializer<long>
{
    private Int64Serializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static Int64Serializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, long value) => writer.WriteInt64(value);

    /// <inheritdoc/>
    public long Read(ref StateReader reader) => reader.ReadInt64();
}
