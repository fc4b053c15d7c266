using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace DslFlow.State;

/// <summary>
/// One keyed state of one subtask as generated code sees it, whatever backend holds it: <see cref="Slot"/> makes a key
/// current (the record's key, with the stable hash that routed it and its key group) and returns where the facade reads
/// and writes its value. The heap backend's slots are its table; another backend (RocksDB) can keep a small cache of
/// slots it loads on <see cref="Slot"/> and writes back before the next one or a snapshot. Every backend creates its
/// states from the same descriptors and snapshots them the same way (<see cref="Backends.IKeyedStateBackend"/>).
/// </summary>
/// <typeparam name="TKey">The record key type.</typeparam>
/// <typeparam name="TValue">The value type, or the per-key cell of a list or map state.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class KeyedState<TKey, TValue> : ValueStore<TValue>
    where TKey : notnull
{
    private protected KeyedState(string stateName, KeyGroupRange range, int capacity)
        : base(capacity)
    {
        StateName = stateName;
        Range = range;
    }

    /// <summary>The state's name in checkpoints, <c>Node.parameter</c>.</summary>
    public string StateName { get; }

    /// <summary>The key groups this subtask owns.</summary>
    public KeyGroupRange Range { get; }

    /// <summary>
    /// Makes <paramref name="key"/> the current key and returns its slot (created, without a value, on first use).
    /// <paramref name="stableHash"/> is <see cref="StableHash"/> of the key, the one that chose <paramref name="keyGroup"/>.
    /// </summary>
    public abstract int Slot(TKey key, int stableHash, int keyGroup);

    /// <summary>Number of keys that currently hold a value (a non-empty cell for list and map states).</summary>
    public abstract int Count { get; }

    /// <summary>The keys of one key group that hold a value, with their values (diagnostics and tests).</summary>
    public abstract IEnumerable<KeyValuePair<TKey, TValue>> EntriesOf(int keyGroup);

    /// <summary>The key of a slot <see cref="Slot"/> returned, with its stable hash and key group (the change log names them).</summary>
    internal abstract (TKey Key, int StableHash, int KeyGroup) KeyOf(int slot);

    /// <summary>
    /// Whether a slot keeps naming its key after another key is made current (the heap table's slots do, until the table
    /// moves them; a backend that loads the current key into one slot does not). A change log may hold writes back by
    /// slot only when this is true.
    /// </summary>
    internal virtual bool SlotsOutliveTheCurrentKey => true;

    /// <summary>The message for a key routed to a subtask that does not own its key group.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private protected InvalidOperationException WrongKeyGroup(TKey key, int keyGroup) => new(
        $"State '{StateName}': key '{key}' is in key group {keyGroup}, which this subtask does not own " +
        $"(it owns {Range}). Records were routed with a hash that differs from the state's.");
}

/// <summary>Values and presence flags by slot: what a <see cref="ValueState{T}"/> facade reads and writes.</summary>
/// <typeparam name="T">The value type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class ValueStore<T>
{
    private protected ValueStore(int capacity)
    {
        Values = new T[capacity];
        HasValue = new bool[capacity];
    }

    /// <summary>Values by slot.</summary>
    internal T[] Values { get; private protected set; }

    /// <summary>Whether a slot holds a value.</summary>
    internal bool[] HasValue { get; private protected set; }

    /// <summary>The slot of the current key's cell (list and map facades write to it through <see cref="ChangeLog"/>).</summary>
    internal int CurrentSlot;

    /// <summary>
    /// Where the facade reports every write, when the changelog is on (an <c>IValueChangeLog</c>, <c>IListChangeLog</c> or
    /// <c>IMapChangeLog</c> of the matching type); null otherwise, which costs the facade one test per write.
    /// </summary>
    internal object? ChangeLog { get; set; }
}

/// <summary>How list and map facades reach the current key's cell through any keyed state.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KeyedCellStates
{
    /// <summary>The cell of a key (created empty on first use): <see cref="KeyedState{TKey, TValue}.Slot"/>, then its cell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TCell Cell<TKey, TCell>(this KeyedState<TKey, TCell> state, TKey key, int stableHash, int keyGroup)
        where TKey : notnull
        where TCell : class, IStateCell, new()
    {
        int slot = state.Slot(key, stableHash, keyGroup);
        state.CurrentSlot = slot;
        ref TCell cell = ref state.Values[slot];
        if (cell is null)
        {
            cell = new TCell();
            state.HasValue[slot] = true;
        }
        return cell;
    }
}
