using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace DslFlow;

/// <summary>
/// Receives the outputs of a <see cref="ProcessAttribute"/> node. Emitted records are passed downstream
/// after the node's method returns, in emission order.
/// </summary>
/// <typeparam name="T">The node's output type.</typeparam>
public sealed class Collector<T>
{
    private T[] _items = new T[8];
    private int _count;

    /// <summary>Emits one output record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Emit(T record)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }
        _items[_count++] = record;
    }

    /// <summary>Number of records emitted since the last <see cref="Clear"/>. Used by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int Count => _count;

    /// <summary>The emitted records. Used by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ReadOnlySpan<T> Emitted => new(_items, 0, _count);

    /// <summary>Forgets the emitted records. Used by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Clear()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            Array.Clear(_items, 0, _count);
        }
        _count = 0;
    }
}
