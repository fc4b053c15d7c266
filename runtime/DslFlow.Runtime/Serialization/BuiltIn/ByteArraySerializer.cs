namespace DslFlow.Serialization;

/// <summary>Serializes byte arrays as a varint of the length plus one (0 = null), then the bytes.</summary>
public sealed class ByteArraySerializer : ISerializer<byte[]?>
{
    private ByteArraySerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static ByteArraySerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, byte[]? value)
    {
        if (value is null)
        {
            writer.WriteNullableLength(-1);
            return;
        }
        writer.WriteNullableLength(value.Length);
        writer.WriteRaw(value);
    }

    /// <inheritdoc/>
    public byte[]? Read(ref StateReader reader)
    {
        int length = reader.ReadNullableLength();
        return length switch
        {
            -1 => null,
            0 => [],
            _ => reader.ReadBytes(length).ToArray(),
        };
    }
}
