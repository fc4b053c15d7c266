namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="int"/> values: 4 bytes, little endian.</summary>
public sealed class Int32Serializer : ISerializer<int>
{
    private Int32Serializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static Int32Serializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, int value) => writer.WriteInt32(value);

    /// <inheritdoc/>
    public int Read(ref StateReader reader) => reader.ReadInt32();
}
