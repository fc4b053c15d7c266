using System.ComponentModel;

namespace DslFlow;

/// <summary>
/// A single value per key, for keyed nodes. The runtime points it at the current record's key before the
/// node's method runs; reads of a key that has no value return <c>default</c>.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class ValueState<T>
{
    /// <summary>The current key's cell. Set by generated code before each call.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueCell<T> Cell { get; set; } = ValueCell<T>.Detached;

    /// <summary>The current key's value, or <c>default</c> when none was set.</summary>
    public T Value
    {
        get => Cell.Value;
        set
        {
            ValueCell<T> cell = Cell;
            cell.Value = value;
            cell.HasValue = true;
        }
    }

    /// <summary>True when a value was set for the current key and not cleared.</summary>
    public bool HasValue => Cell.HasValue;

    /// <summary>Removes the current key's value.</summary>
    public void Clear()
    {
        ValueCell<T> cell = Cell;
        cell.Value = default!;
        cell.HasValue = false;
    }
}

/// <summary>Storage of one key's <see cref="ValueState{T}"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ValueCell<T> : IStateCell
{
    internal static readonly ValueCell<T> Detached = new();

    /// <summary>The stored value.</summary>
    public T Value = default!;

    /// <summary>True when <see cref="Value"/> holds a value.</summary>
    public bool HasValue;

    /// <inheritdoc />
    public bool IsEmpty => !HasValue;
}
