using System.ComponentModel;
using DslFlow.State;
using DslFlow.State.Changelog;

namespace DslFlow;

/// <summary>A list of values per key, for keyed nodes.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ListState<T>
{
    private ValueStore<ListCell<T>>? _store;
    private IListChangeLog<T>? _log;

    /// <summary>The current key's cell. Set by generated code before each call.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ListCell<T> Cell { get; set; } = new();

    /// <summary>The current key's elements, in insertion order (empty when none).</summary>
    public IReadOnlyList<T> Items => Cell.Items;

    /// <summary>Number of elements of the current key.</summary>
    public int Count => Cell.Items.Count;

    /// <summary>Appends an element to the current key's list.</summary>
    public void Add(T item)
    {
        Cell.Items.Add(item);
        _log?.Add(_store!.CurrentSlot, item);
    }

    /// <summary>Appends elements to the current key's list.</summary>
    public void AddRange(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        List<T> list = Cell.Items;
        int before = list.Count;
        list.AddRange(items);
        _log?.AddRange(_store!.CurrentSlot, list, before);
    }

    /// <summary>Replaces the current key's list.</summary>
    public void Update(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        List<T> list = Cell.Items;
        var copy = items.ToList();
        list.Clear();
        list.AddRange(copy);
        _log?.Update(_store!.CurrentSlot, list);
    }

    /// <summary>Removes every element of the current key.</summary>
    public void Clear()
    {
        Cell.Items.Clear();
        _log?.Clear(_store!.CurrentSlot);
    }

    /// <summary>Binds the facade to its state once, so writes reach the state's change log when there is one.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Bind(ValueStore<ListCell<T>> store)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _log = store.ChangeLog as IListChangeLog<T>;
    }
}

/// <summary>Storage of one key's <see cref="ListState{T}"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ListCell<T> : IStateCell
{
    /// <summary>The stored elements.</summary>
    public readonly List<T> Items = [];

    /// <inheritdoc />
    public bool IsEmpty => Items.Count == 0;
}
