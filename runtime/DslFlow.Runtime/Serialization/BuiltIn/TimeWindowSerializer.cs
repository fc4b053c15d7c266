namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="TimeWindow"/> values: start, then end, 8 bytes each, little endian.</summary>
public sealed class TimeWindowSerializer : ISerializer<TimeWindow>
{
    private TimeWindowSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static TimeWindowSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, TimeWindow value)
    {
        writer.WriteInt64(value.Start);
        writer.WriteInt64(value.End);
    }

    /// <inheritdoc/>
    public TimeWindow Read(ref StateReader reader)
    {
        long start = reader.ReadInt64();
        long end = reader.ReadInt64();
        // end == start only for a window at long.MaxValue, whose end saturated.
        return end >= start ? new TimeWindow(start, end) : throw reader.Malformed($"a window ends at {end}, before its start {start}");
    }
}
