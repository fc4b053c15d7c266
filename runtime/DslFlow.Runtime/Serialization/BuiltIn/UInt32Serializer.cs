namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="uint"/> values: 4 bytes, little endian.</summary>
public sealed class UInt32Serializer : ISerializer<uint>
{
    private UInt32Serializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static UInt32Serializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, uint value) => writer.WriteUInt32(value);

    /// <inheritdoc/>
    public uint Read(ref StateReader reader) => reader.ReadUInt32();
}
