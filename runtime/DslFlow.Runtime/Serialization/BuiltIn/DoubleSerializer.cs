namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="double"/> values: the IEEE 754 bits, 8 bytes, little endian.</summary>
public sealed class DoubleSerializer : ISerializer<double>
{
    private DoubleSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static DoubleSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, double value) => writer.WriteDouble(value);

    /// <inheritdoc/>
    public double Read(ref StateReader reader) => reader.ReadDouble();
}
