namespace DslFlow.Serialization;

/// <summary>
/// Serializes <see cref="DateTime"/> values as <see cref="DateTime.ToBinary"/> (8 bytes), which keeps the
/// <see cref="DateTime.Kind"/>. As with <see cref="DateTime.FromBinary"/>, a local time is restored in the reading
/// machine's time zone; prefer UTC or <see cref="DateTimeOffset"/> in state.
/// </summary>
public sealed class DateTimeSerializer : ISerializer<DateTime>
{
    private DateTimeSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static DateTimeSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, DateTime value) => writer.WriteInt64(value.ToBinary());

    /// <inheritdoc/>
    public DateTime Read(ref StateReader reader)
    {
        long binary = reader.ReadInt64();
        try
        {
            return DateTime.FromBinary(binary);
        }
        catch (ArgumentException e)
        {
            throw reader.Malformed($"0x{binary:x16} is not a DateTime in ToBinary form", e);
        }
    }
}
