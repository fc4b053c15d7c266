using DslFlow.Serialization;
using DslFlow.State.Backends;

namespace DslFlow.State.Changelog;

/// <summary>
/// A value state whose writes are logged as <c>Set(value)</c> or <c>Clear</c>, once per changed key and change set: a
/// write only marks the key's slot, and the slot's last value is appended before the log seals its active change set
/// (at a checkpoint or materialization), when 4,096 keys are marked, or before the table moves its slots. A key
/// written a thousand times between two checkpoints costs one record (Flink logs every write). Over a state whose one
/// slot follows the current key (RocksDB) a mark would name the wrong key later, so each write is logged at once.
/// </summary>
internal sealed class ChangelogValueState<TKey, T> : ChangelogState<TKey, T>, IValueChangeLog<T>, IDeferredChanges
    where TKey : notnull
{
    private const int MaxMarked = 4096;
    private readonly IValueChangeLog<T>? _next;
    private readonly bool _defer;
    private bool[] _marked = new bool[64];
    private int[] _slots = new int[MaxMarked];
    private int _count;

    public ChangelogValueState(KeyedState<TKey, T> state, KeyedStateDescriptor<TKey, T> descriptor, int id, StateChangelogWriter? log)
        : base(state, descriptor, id, log)
    {
        _next = Next as IValueChangeLog<T>;
        _defer = state.SlotsOutliveTheCurrentKey;
        log?.OnBeforeSeal(Flush);
    }

    public void Set(int slot, T value)
    {
        _next?.Set(slot, value);
        Log(slot);
    }

    void IValueChangeLog<T>.Clear(int slot)
    {
        _next?.Clear(slot);
        Log(slot);
    }

    /// <summary>Appends the last value (or a clear) of every marked slot and unmarks them.</summary>
    public void Flush()
    {
        for (int i = 0; i < _count; i++)
        {
            int slot = _slots[i];
            _marked[slot] = false;
            Append(slot);
        }
        _count = 0;
    }

    private void Log(int slot)
    {
        if (_defer)
        {
            Mark(slot);
        }
        else
        {
            Append(slot);
        }
    }

    /// <summary>Appends the slot's value, or a clear.</summary>
    private void Append(int slot)
    {
        if (State.HasValue[slot])
        {
            StateWriter writer = Begin(StateChangeOperation.Set, slot, out int keyGroup);
            Descriptor.ValueSerializer.Write(ref writer, State.Values[slot]);
            End(keyGroup);
        }
        else
        {
            Clear(slot);
        }
    }

    private void Mark(int slot)
    {
        if (slot >= _marked.Length)
        {
            Array.Resize(ref _marked, Math.Max(State.Values.Length, slot + 1));
        }
        if (_marked[slot])
        {
            return;
        }
        _marked[slot] = true;
        _slots[_count++] = slot;
        if (_count == MaxMarked)
        {
            Flush();
        }
    }

    private protected override void ApplyToSlot(StateChangeOperation operation, int slot, ref StateReader reader)
    {
        switch (operation)
        {
            case StateChangeOperation.Set:
                T value = Descriptor.ValueSerializer.Read(ref reader);
                State.Values[slot] = value;
                State.HasValue[slot] = true;
                _next?.Set(slot, value);
                break;
            case StateChangeOperation.Clear:
                State.Values[slot] = default!;
                State.HasValue[slot] = false;
                _next?.Clear(slot);
                break;
            default:
                throw reader.Malformed($"operation {operation} does not apply to value state '{Name}'");
        }
    }
}

/// <summary>A list state whose writes are logged: <c>Add(count, elements)</c>, <c>Set(list)</c>, <c>Clear</c>.</summary>
internal sealed class ChangelogListState<TKey, T> : ChangelogState<TKey, ListCell<T>>, IListChangeLog<T>
    where TKey : notnull
{
    private readonly ISerializer<T> _elements;
    private readonly IListChangeLog<T>? _next;

    public ChangelogListState(KeyedState<TKey, ListCell<T>> state, KeyedStateDescriptor<TKey, ListCell<T>> descriptor, int id,
        StateChangelogWriter? log)
        : base(state, descriptor, id, log)
    {
        _elements = ((ListCellSerializer<T>)descriptor.ValueSerializer).ElementSerializer;
        _next = Next as IListChangeLog<T>;
    }

    public void Add(int slot, T item)
    {
        _next?.Add(slot, item);
        StateWriter writer = Begin(StateChangeOperation.Add, slot, out int keyGroup);
        writer.WriteLength(1);
        _elements.Write(ref writer, item);
        End(keyGroup);
    }

    public void AddRange(int slot, List<T> list, int from)
    {
        _next?.AddRange(slot, list, from);
        StateWriter writer = Begin(StateChangeOperation.Add, slot, out int keyGroup);
        writer.WriteLength(list.Count - from);
        for (int i = from; i < list.Count; i++)
        {
            _elements.Write(ref writer, list[i]);
        }
        End(keyGroup);
    }

    public void Update(int slot, List<T> list)
    {
        _next?.Update(slot, list);
        StateWriter writer = Begin(StateChangeOperation.Set, slot, out int keyGroup);
        writer.WriteLength(list.Count);
        foreach (T item in list)
        {
            _elements.Write(ref writer, item);
        }
        End(keyGroup);
    }

    void IListChangeLog<T>.Clear(int slot)
    {
        _next?.Clear(slot);
        Clear(slot);
    }

    private protected override void ApplyToSlot(StateChangeOperation operation, int slot, ref StateReader reader)
    {
        ListCell<T> cell = CellAt(slot);
        switch (operation)
        {
            case StateChangeOperation.Add:
            case StateChangeOperation.Set:
                if (operation == StateChangeOperation.Set)
                {
                    cell.Items.Clear();
                }
                for (int n = reader.ReadLength(); n > 0; n--)
                {
                    cell.Items.Add(_elements.Read(ref reader));
                }
                _next?.Update(slot, cell.Items);
                break;
            case StateChangeOperation.Clear:
                cell.Items.Clear();
                _next?.Clear(slot);
                break;
            default:
                throw reader.Malformed($"operation {operation} does not apply to list state '{Name}'");
        }
    }

    private ListCell<T> CellAt(int slot)
    {
        ref ListCell<T> cell = ref State.Values[slot];
        if (cell is null)
        {
            cell = new ListCell<T>();
            State.HasValue[slot] = true;
        }
        return cell;
    }
}

/// <summary>A map state whose writes are logged: <c>AddOrUpdateElement(key, value)</c>, <c>RemoveElement(key)</c>, <c>Clear</c>.</summary>
internal sealed class ChangelogMapState<TKey, TMapKey, TValue> : ChangelogState<TKey, MapCell<TMapKey, TValue>>, IMapChangeLog<TMapKey, TValue>
    where TKey : notnull
    where TMapKey : notnull
{
    private readonly MapCellSerializer<TMapKey, TValue> _cells;
    private readonly IMapChangeLog<TMapKey, TValue>? _next;

    public ChangelogMapState(KeyedState<TKey, MapCell<TMapKey, TValue>> state, KeyedStateDescriptor<TKey, MapCell<TMapKey, TValue>> descriptor,
        int id, StateChangelogWriter? log)
        : base(state, descriptor, id, log)
    {
        _cells = (MapCellSerializer<TMapKey, TValue>)descriptor.ValueSerializer;
        _next = Next as IMapChangeLog<TMapKey, TValue>;
    }

    public void Put(int slot, TMapKey key, TValue value)
    {
        _next?.Put(slot, key, value);
        StateWriter writer = Begin(StateChangeOperation.AddOrUpdateElement, slot, out int keyGroup);
        _cells.KeySerializer.Write(ref writer, key);
        _cells.ValueSerializer.Write(ref writer, value);
        End(keyGroup);
    }

    public void Remove(int slot, TMapKey key)
    {
        _next?.Remove(slot, key);
        StateWriter writer = Begin(StateChangeOperation.RemoveElement, slot, out int keyGroup);
        _cells.KeySerializer.Write(ref writer, key);
        End(keyGroup);
    }

    void IMapChangeLog<TMapKey, TValue>.Clear(int slot)
    {
        _next?.Clear(slot);
        Clear(slot);
    }

    private protected override void ApplyToSlot(StateChangeOperation operation, int slot, ref StateReader reader)
    {
        ref MapCell<TMapKey, TValue> cell = ref State.Values[slot];
        if (cell is null)
        {
            cell = new MapCell<TMapKey, TValue>();
            State.HasValue[slot] = true;
        }
        switch (operation)
        {
            case StateChangeOperation.AddOrUpdateElement:
                TMapKey key = _cells.KeySerializer.Read(ref reader) ?? throw reader.Malformed($"a change of map state '{Name}' has a null map key");
                TValue value = _cells.ValueSerializer.Read(ref reader);
                cell.Entries[key] = value;
                _next?.Put(slot, key, value);
                break;
            case StateChangeOperation.RemoveElement:
                TMapKey removed = _cells.KeySerializer.Read(ref reader) ?? throw reader.Malformed($"a change of map state '{Name}' has a null map key");
                cell.Entries.Remove(removed);
                _next?.Remove(slot, removed);
                break;
            case StateChangeOperation.Clear:
                cell.Entries.Clear();
                _next?.Clear(slot);
                break;
            default:
                throw reader.Malformed($"operation {operation} does not apply to map state '{Name}'");
        }
    }
}
