namespace DslFlow.Serialization;

/// <summary>Serializes a nullable value type as a presence byte (0 or 1), then the value when present.</summary>
/// <typeparam name="T">The underlying value type.</typeparam>
public sealed class NullableSerializer<T> : ISerializer<T?>
    where T : struct
{
    private readonly ISerializer<T> _value;

    /// <summary>Creates the serializer.</summary>
    /// <param name="value">The serializer of the underlying type.</param>
    public NullableSerializer(ISerializer<T> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, T? value)
    {
        writer.WriteBoolean(value.HasValue);
        if (value.HasValue)
        {
            _value.Write(ref writer, value.GetValueOrDefault());
        }
    }

    /// <inheritdoc/>
    public T? Read(ref StateReader reader) => reader.ReadBoolean() ? _value.Read(ref reader) : null;
}
