namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="ushort"/> values: 2 bytes, little endian.</summary>
public sealed class UInt16Serializer : ISerializer<ushort>
{
    private UInt16Serializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static UInt16Serializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, ushort value) => writer.WriteUInt16(value);

    /// <inheritdoc/>
    public ushort Read(ref StateReader reader) => reader.ReadUInt16();
}
