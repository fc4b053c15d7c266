using System.ComponentModel;

namespace DslFlow;

/// <summary>
/// The accumulator of a full-window function (<c>[Window]</c> on a method taking the window's elements): the list of
/// a window's records in arrival order, kept in the window node's keyed map state like any accumulator, so
/// checkpoints, rescaling, the changelog and RocksDB cover it. Generated code passes these to
/// <see cref="WindowOperator{TKey, TIn, TAcc, TOut}"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WindowElements
{
    /// <summary>Appends <paramref name="element"/> to a window's list, creating it for a new window.</summary>
    public static List<T> Add<T>(List<T>? elements, T element)
    {
        elements ??= [];
        elements.Add(element);
        return elements;
    }

    /// <summary>Two merging sessions' elements: the first's, then the second's.</summary>
    public static List<T> Concat<T>(List<T> first, List<T> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        first.AddRange(second);
        return first;
    }
}
