namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="short"/> values: 2 bytes, little endian.</summary>
public sealed class Int16Serializer : ISerializer<short>
{
    private Int16Serializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static Int16Serializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, short value) => writer.WriteInt16(value);

    /// <inheritdoc/>
    public short Read(ref StateReader reader) => reader.ReadInt16();
}
