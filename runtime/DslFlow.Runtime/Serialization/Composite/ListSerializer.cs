namespace DslFlow.Serialization;

/// <summary>Serializes lists: a varint of the count plus one (0 = null), then each element in order.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ListSerializer<T> : ISerializer<List<T>?>
{
    private readonly ISerializer<T> _element;

    /// <summary>Creates the serializer.</summary>
    /// <param name="element">The element serializer.</param>
    public ListSerializer(ISerializer<T> element)
    {
        ArgumentNullException.ThrowIfNull(element);
        _element = element;
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, List<T>? value)
    {
        if (value is null)
        {
            writer.WriteNullableLength(-1);
            return;
        }
        writer.WriteNullableLength(value.Count);
        foreach (T item in value)
        {
            int start = writer.BytesWritten;
            _element.Write(ref writer, item);
            writer.CountElement(start);
        }
    }

    /// <inheritdoc/>
    public List<T>? Read(ref StateReader reader)
    {
        int count = reader.ReadNullableLength();
        if (count < 0)
        {
            return null;
        }
        var list = new List<T>(reader.SafeCapacity(count));
        for (int i = 0; i < count; i++)
        {
            int start = reader.Position;
            list.Add(_element.Read(ref reader));
            reader.CountElement(start); // elements that take no bytes are bounded by count, not by the input
        }
        return list;
    }
}
