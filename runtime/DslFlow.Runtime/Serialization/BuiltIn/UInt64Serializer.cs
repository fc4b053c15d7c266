namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="ulong"/> values: 8 bytes, little endian.</summary>
public sealed class UInt64Serializer : ISerializer<ulong>
{
    private UInt64Serializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static UInt64Serializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, ulong value) => writer.WriteUInt64(value);

    /// <inheritdoc/>
    public ulong Read(ref StateReader reader) => reader.ReadUInt64();
}
