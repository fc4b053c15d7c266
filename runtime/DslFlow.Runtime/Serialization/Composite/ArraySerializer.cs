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
            int start = writer.BytesWritten;
            _element.Write(ref writer, item);
            writer.CountElement(start);
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
        int capacity = reader.SafeCapacity(length);
        if (capacity == length)
        {
            var array = new T[length];
            for (int i = 0; i < array.Length; i++)
            {
                array[i] = ReadElement(ref reader);
            }
            return array;
        }
        // More elements than the input can pay for: damaged, or elements that take no bytes. Grow as elements arrive
        // rather than trusting the count with one large allocation.
        var list = new List<T>(capacity);
        for (int i = 0; i < length; i++)
        {
            list.Add(ReadElement(ref reader));
        }
        return [.. list];
    }

    private T ReadElement(ref StateReader reader)
    {
        int start = reader.Position;
        T item = _element.Read(ref reader);
        reader.CountElement(start);
        return item;
    }
}
