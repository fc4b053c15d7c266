namespace DslFlow.Serialization;

/// <summary>
/// Serializes <see cref="DateTimeOffset"/> values as the clock time's ticks (8 bytes) and the offset in minutes
/// (2 bytes), little endian, so both the instant and the offset are kept.
/// </summary>
public sealed class DateTimeOffsetSerializer : ISerializer<DateTimeOffset>
{
    private DateTimeOffsetSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static DateTimeOffsetSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, DateTimeOffset value)
    {
        writer.WriteInt64(value.Ticks);
        writer.WriteInt16((short)(value.Offset.Ticks / TimeSpan.TicksPerMinute));
    }

    /// <inheritdoc/>
    public DateTimeOffset Read(ref StateReader reader)
    {
        long ticks = reader.ReadInt64();
        short minutes = reader.ReadInt16();
        try
        {
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
        }
        catch (ArgumentException e)
        {
            throw reader.Malformed($"ticks {ticks} with an offset of {minutes} minutes is not a DateTimeOffset", e);
        }
    }
}
