namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="bool"/> values: one byte, 0 or 1.</summary>
public sealed class BooleanSerializer : ISerializer<bool>
{
    private BooleanSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static BooleanSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, bool value) => writer.WriteBoolean(value);

    /// <inheritdoc/>
    public bool Read(ref StateReader reader) => reader.ReadBoolean();
}
