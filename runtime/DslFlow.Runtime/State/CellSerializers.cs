using System.ComponentModel;
using DslFlow.Serialization;

namespace DslFlow.State;

/// <summary>Serializes one key's <see cref="ListState{T}"/> cell as a list of its elements.</summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ListCellSerializer<T>(ISerializer<T> elementSerializer) : ISerializer<ListCell<T>>
{
    private readonly ListSerializer<T> _list = new(elementSerializer);

    /// <summary>The elements' serializer (the change log writes single elements).</summary>
    internal ISerializer<T> ElementSerializer => elementSerializer;

    /// <inheritdoc />
    public void Write(ref StateWriter writer, ListCell<T> value) => _list.Write(ref writer, value.Items);

    /// <inheritdoc />
    public ListCell<T> Read(ref StateReader reader)
    {
        var cell = new ListCell<T>();
        cell.Items.AddRange(_list.Read(ref reader) ?? []);
        return cell;
    }
}

/// <summary>Serializes one key's <see cref="MapState{TKey, TValue}"/> cell as a dictionary.</summary>
/// <typeparam name="TMapKey">The map's key type.</typeparam>
/// <typeparam name="TValue">The map's value type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class MapCellSerializer<TMapKey, TValue>(ISerializer<TMapKey> keySerializer, ISerializer<TValue> valueSerializer) : ISerializer<MapCell<TMapKey, TValue>>
    where TMapKey : notnull
{
    private readonly DictionarySerializer<TMapKey, TValue> _map = new(keySerializer, valueSerializer);

    /// <summary>The map keys' serializer (the change log writes single entries).</summary>
    internal ISerializer<TMapKey> KeySerializer => keySerializer;

    /// <summary>The map values' serializer.</summary>
    internal ISerializer<TValue> ValueSerializer => valueSerializer;

    /// <inheritdoc />
    public void Write(ref StateWriter writer, MapCell<TMapKey, TValue> value) => _map.Write(ref writer, value.Entries);

    /// <inheritdoc />
    public MapCell<TMapKey, TValue> Read(ref StateReader reader)
    {
        var cell = new MapCell<TMapKey, TValue>();
        foreach (KeyValuePair<TMapKey, TValue> entry in _map.Read(ref reader) ?? [])
        {
            cell.Entries.Add(entry.Key, entry.Value);
        }
        return cell;
    }
}
