namespace DslFlow.Serialization;

/// <summary>
/// Adds null to the serializer of a reference type that does not encode null itself (user records and classes): a
/// presence byte (0 or 1), then the value when present. Strings, byte arrays, arrays, lists and dictionaries encode
/// null in their length and need no wrapper.
/// </summary>
/// <typeparam name="T">The reference type.</typeparam>
public sealed class NullableReferenceSerializer<T> : ISerializer<T?>
    where T : class
{
    private readonly ISerializer<T> _value;

    /// <summary>Creates the serializer.</summary>
    /// <param name="value">The serializer of non-null values.</param>
    public NullableReferenceSerializer(ISerializer<T> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, T? value)
    {
        writer.WriteBoolean(value is not null);
        if (value is not null)
        {
            _value.Write(ref writer, value);
        }
    }

    /// <inheritdoc/>
    public T? Read(ref StateReader reader) => reader.ReadBoolean() ? _value.Read(ref reader) : null;
}
