namespace DslFlow;

/// <summary>
/// A list owned by one subtask of a node, keyed or not (Flink's operator <c>ListState</c>). Checkpoints save each
/// subtask's list; a restore with the same parallelism gives every subtask its own list back, and a restore with
/// another parallelism redistributes the elements by even split: the lists of all old subtasks, concatenated in
/// subtask order, are cut into as many contiguous parts as there are new subtasks. Keep in it what can be divided
/// that way (buffered records, offsets, partial counts), not what must stay together.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class OperatorListState<T>
{
    private readonly List<T> _items = [];

    /// <summary>The subtask's elements, in insertion order (empty when none).</summary>
    public IReadOnlyList<T> Items => _items;

    /// <summary>Number of elements of the subtask's list.</summary>
    public int Count => _items.Count;

    /// <summary>Appends an element.</summary>
    public void Add(T item) => _items.Add(item);

    /// <summary>Appends elements.</summary>
    public void AddRange(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items.AddRange(items);
    }

    /// <summary>Replaces the list.</summary>
    public void Update(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var copy = items.ToList(); // items may enumerate this list
        _items.Clear();
        _items.AddRange(copy);
    }

    /// <summary>Removes every element.</summary>
    public void Clear() => _items.Clear();

    /// <summary>The list itself, for snapshots and restores.</summary>
    internal List<T> Storage => _items;
}
