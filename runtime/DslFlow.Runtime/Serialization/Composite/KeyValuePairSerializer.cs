namespace DslFlow.Serialization;

/// <summary>Serializes a key-value pair: the key, then the value.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class KeyValuePairSerializer<TKey, TValue> : ISerializer<KeyValuePair<TKey, TValue>>
{
    private readonly ISerializer<TKey> _key;
    private readonly ISerializer<TValue> _value;

    /// <summary>Creates the serializer.</summary>
    /// <param name="key">The key serializer.</param>
    /// <param name="value">The value serializer.</param>
    public KeyValuePairSerializer(ISerializer<TKey> key, ISerializer<TValue> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        _key = key;
        _value = value;
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, KeyValuePair<TKey, TValue> value)
    {
        _key.Write(ref writer, value.Key);
        _value.Write(ref writer, value.Value);
    }

    /// <inheritdoc/>
    public KeyValuePair<TKey, TValue> Read(ref StateReader reader)
    {
        TKey key = _key.Read(ref reader);
        return new(key, _value.Read(ref reader));
    }
}
