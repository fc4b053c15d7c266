namespace DslFlow.Serialization;

/// <summary>
/// Serializes dictionaries: a varint of the count plus one (0 = null), then each key and value in enumeration order.
/// </summary>
/// <remarks>
/// The bytes follow the dictionary's enumeration order, so equal dictionaries filled in different orders may
/// serialize differently: do not hash a dictionary's bytes (for key groups, say). The comparer is not serialized;
/// pass the one to restore with. A repeated key in the input is a <see cref="StateFormatException"/>.
/// </remarks>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class DictionarySerializer<TKey, TValue> : ISerializer<Dictionary<TKey, TValue>?>
    where TKey : notnull
{
    private readonly ISerializer<TKey> _key;
    private readonly ISerializer<TValue> _value;
    private readonly IEqualityComparer<TKey>? _comparer;

    /// <summary>Creates the serializer.</summary>
    /// <param name="key">The key serializer.</param>
    /// <param name="value">The value serializer.</param>
    /// <param name="comparer">The comparer of restored dictionaries; the default comparer when null.</param>
    public DictionarySerializer(ISerializer<TKey> key, ISerializer<TValue> value, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        _key = key;
        _value = value;
        _comparer = comparer;
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, Dictionary<TKey, TValue>? value)
    {
        if (value is null)
        {
            writer.WriteNullableLength(-1);
            return;
        }
        writer.WriteNullableLength(value.Count);
        foreach (KeyValuePair<TKey, TValue> entry in value)
        {
            int start = writer.BytesWritten;
            _key.Write(ref writer, entry.Key);
            _value.Write(ref writer, entry.Value);
            writer.CountElement(start); // per entry: a set's values take no bytes, its keys do
        }
    }

    /// <inheritdoc/>
    public Dictionary<TKey, TValue>? Read(ref StateReader reader)
    {
        int count = reader.ReadNullableLength();
        if (count < 0)
        {
            return null;
        }
        var dictionary = new Dictionary<TKey, TValue>(reader.SafeCapacity(count), _comparer);
        for (int i = 0; i < count; i++)
        {
            int start = reader.Position;
            TKey key = _key.Read(ref reader);
            if (key is null)
            {
                throw new StateFormatException("a dictionary key is null", start);
            }
            TValue value = _value.Read(ref reader);
            if (!dictionary.TryAdd(key, value))
            {
                throw new StateFormatException($"dictionary entry {i} repeats key '{key}'", start);
            }
            reader.CountElement(start);
        }
        return dictionary;
    }
}
