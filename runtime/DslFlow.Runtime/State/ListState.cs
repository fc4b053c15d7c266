using System.ComponentModel;

namespace DslFlow;

/// <summary>A list of values per key, for keyed nodes.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ListState<T>
{
    /// <summary>The current key's cell. Set by generated code before each call.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ListCell<T> Cell { get; set; } = new();

    /// <summary>The current key's elements, in insertion order (empty when none).</summary>
    public IReadOnlyList<T> Items => Cell.Items;

    /// <summary>Number of elements of the current key.</summary>
    public int Count => Cell.Items.Count;

    /// <summary>Appends an element to the current key's list.</summary>
    public void Add(T item) => Cell.Items.Add(item);

    /// <summary>Appends elements to the current key's list.</summary>
    public void AddRange(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Cell.Items.AddRange(items);
    }

    /// <summary>Replaces the current key's list.</summary>
    public void Update(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        List<T> list = Cell.Items;
        var copy = items.ToList();
        list.Clear();
        list.AddRange(copy);
    }

    /// <summary>Removes every element of the current key.</summary>
    public void Clear() => Cell.Items.Clear();
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
