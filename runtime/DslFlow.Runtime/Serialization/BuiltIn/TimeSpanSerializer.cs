namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="TimeSpan"/> values: its ticks, 8 bytes, little endian.</summary>
public sealed class TimeSpanSerializer : ISerializer<TimeSpan>
{
    private TimeSpanSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static TimeSpanSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, TimeSpan value) => writer.WriteInt64(value.Ticks);

    /// <inheritdoc/>
    public TimeSpan Read(ref StateReader reader) => new(reader.ReadInt64());
}
