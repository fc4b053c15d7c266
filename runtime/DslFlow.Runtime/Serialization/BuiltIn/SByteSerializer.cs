namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="sbyte"/> values: one byte.</summary>
public sealed class SByteSerializer : ISerializer<sbyte>
{
    private SByteSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static SByteSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, sbyte value) => writer.WriteSByte(value);

    /// <inheritdoc/>
    public sbyte Read(ref StateReader reader) => reader.ReadSByte();
}
