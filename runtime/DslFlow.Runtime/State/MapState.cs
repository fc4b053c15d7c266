using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using DslFlow.State;
using DslFlow.State.Changelog;

namespace DslFlow;

/// <summary>A map per key, for keyed nodes.</summary>
/// <typeparam name="TKey">The map's key type (not the record's key).</typeparam>
/// <typeparam name="TValue">The map's value type.</typeparam>
public sealed class MapState<TKey, TValue>
    where TKey : notnull
{
    private ValueStore<MapCell<TKey, TValue>>? _store;
    private IMapChangeLog<TKey, TValue>? _log;

    /// <summary>The current key's cell. Set by generated code before each call.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public MapCell<TKey, TValue> Cell { get; set; } = new();

    /// <summary>Gets or sets an entry of the current key's map; getting a missing entry throws.</summary>
    public TValue this[TKey key]
    {
        get => Cell.Entries[key];
        set
        {
            Cell.Entries[key] = value;
            _log?.Put(_store!.CurrentSlot, key, value);
        }
    }

    /// <summary>Number of entries of the current key's map.</summary>
    public int Count => Cell.Entries.Count;

    /// <summary>The current key's entries.</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> Entries => Cell.Entries;

    /// <summary>The current key's map keys.</summary>
    public IEnumerable<TKey> Keys => Cell.Entries.Keys;

    /// <summary>Gets an entry of the current key's map.</summary>
    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => Cell.Entries.TryGetValue(key, out value);

    /// <summary>True when the current key's map has the entry.</summary>
    public bool ContainsKey(TKey key) => Cell.Entries.ContainsKey(key);

    /// <summary>Removes an entry of the current key's map.</summary>
    public bool Remove(TKey key)
    {
        bool removed = Cell.Entries.Remove(key);
        if (removed)
        {
            _log?.Remove(_store!.CurrentSlot, key);
        }
        return removed;
    }

    /// <summary>Removes every entry of the current key.</summary>
    public void Clear()
    {
        Cell.Entries.Clear();
        _log?.Clear(_store!.CurrentSlot);
    }

    /// <summary>Binds the facade to its state once, so writes reach the state's change log when there is one.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Bind(ValueStore<MapCell<TKey, TValue>> store)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _log = store.ChangeLog as IMapChangeLog<TKey, TValue>;
    }
}

/// <summary>Storage of one key's <see cref="MapState{TKey, TValue}"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class MapCell<TKey, TValue> : IStateCell
    where TKey : notnull
{
    /// <summary>The stored entries.</summary>
    public readonly Dictionary<TKey, TValue> Entries = [];

    /// <inheritdoc />
    public bool IsEmpty => Entries.Count == 0;
}
