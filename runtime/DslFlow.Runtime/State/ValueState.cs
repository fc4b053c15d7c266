using System.ComponentModel;
using DslFlow.State;
using DslFlow.State.Changelog;

namespace DslFlow;

/// <summary>
/// A single value per key, for keyed nodes. The runtime points it at the current record's key before the
/// node's method runs; reads of a key that has no value return <c>default</c>.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class ValueState<T>
{
    private ValueStore<T> _store = DetachedStore.Instance;
    private IValueChangeLog<T>? _log;

    /// <summary>The current key's slot in the bound table. Set by generated code before each call.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int Slot { get; set; }

    /// <summary>The current key's value, or <c>default</c> when none was set.</summary>
    public T Value
    {
        get => _store.Values[Slot];
        set
        {
            _store.Values[Slot] = value;
            _store.HasValue[Slot] = true;
            _log?.Set(Slot, value);
        }
    }

    /// <summary>True when a value was set for the current key and not cleared.</summary>
    public bool HasValue => _store.HasValue[Slot];

    /// <summary>Removes the current key's value.</summary>
    public void Clear()
    {
        _store.Values[Slot] = default!;
        _store.HasValue[Slot] = false;
        _log?.Clear(Slot);
    }

    /// <summary>Binds the facade to its table once; afterwards only <see cref="Slot"/> changes per record.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Bind(ValueStore<T> store)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _log = store.ChangeLog as IValueChangeLog<T>;
    }

    /// <summary>One slot, used before the facade is bound (outside a keyed node).</summary>
    private sealed class DetachedStore() : ValueStore<T>(1)
    {
        public static readonly DetachedStore Instance = new();
    }
}
