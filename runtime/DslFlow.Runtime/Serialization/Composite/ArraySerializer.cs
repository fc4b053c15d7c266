namespace DslFlow.Serialization;

/// <summary>Serializes single-dimensional arrays: a varint of the length plus one (0 = null), then each element.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ArraySerializer<T> : ISerializer<T[]?>
{
    private readonly ISerializer<T> _element;

    /// <summary>Creates the serializer.</summary>
    /// <param name="element">The element serializer.</param>
    public ArraySerializer(ISerializer<T> element)
    {
        ArgumentNullException.ThrowIfNull(element);
        _element = element;
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, T[]? value)
    {
        if (value is null)
        {
            writer.WriteNullableLength(-1);
            return;
        }
        writer.WriteNullableLength(value.Length);
        foreach (T item in value)
        {
            _element.Write(ref writer, item);
        }
    }

    /// <inheritdoc/>
    public T[]? Read(ref StateReader reader)
    {
        int length = reader.ReadNullableLength();
        if (length <= 0)
        {
            return length == 0 ? [] : null;
        }
        if (length <= reader.Remaining)
        {
            var array = new T[length];
            for (int i = 0; i < array.Length; i++)
            {
                array[i] = _element.Read(ref reader);
            }
            return array;
        }
        // More elements than bytes left: damaged, or elements that take no bytes. Grow as elements arrive rather
        // than trusting the count with one large allocation.
        var list = new List<T>(reader.SafeCapacity(length));
        for (int i = 0; i < length; i++)
        {
            list.Add(_element.Read(ref reader));
        }
        return [.. list];
    }
}
