namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="byte"/> values: one byte.</summary>
public sealed class ByteSerializer : ISerializer<byte>
{
    private ByteSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static ByteSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, byte value) => writer.WriteByte(value);

    /// <inheritdoc/>
    public byte Read(ref StateReader reader) => reader.ReadByte();
}
