namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="float"/> values: the IEEE 754 bits, 4 bytes, little endian.</summary>
public sealed class SingleSerializer : ISerializer<float>
{
    private SingleSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static SingleSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, float value) => writer.WriteSingle(value);

    /// <inheritdoc/>
    public float Read(ref StateReader reader) => reader.ReadSingle();
}
