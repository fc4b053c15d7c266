using DslFlow.Serialization;
using DslFlow.State.Backends;

namespace DslFlow.State.Changelog;

/// <summary>
/// A value state whose writes are logged as <c>Set(value)</c> or <c>Clear</c>, once per changed key and change set: a
/// write only marks the key's slot, and the slot's last value is appended before the log seals its active change set
/// (at a checkpoint or materialization), when 4,096 keys are marked, or before the table moves its slots. A key
/// written a thousand times between two checkpoints costs one record (Flink logs every write).
/// </summary>
internal sealed class ChangelogValueState<TKey, T> : ChangelogState<TKey, T>, IValueChangeLog<T>, IDeferredChanges
    where TKey : notnull
{
    private const int MaxMarked = 4096;
    private bool[] _marked = new bool[64];
    private int[] _slots = new int[MaxMarked];
    private int _count;

    public ChangelogValueState(KeyedState<TKey, T> state, KeyedStateDescriptor<TKey, T> descriptor, int id, StateChangelogWriter? log)
        : base(state, descriptor, id, log)
    {
        log?.OnBeforeSeal(Flush);
    }

    public void Set(int slot, T value) => Mark(slot);

    void IValueChangeLog<T>.Clear(int slot) => Mark(slot);

    /// <summary>Appends the last value (or a clear) of every marked slot and unmarks them.</summary>
    public void Flush()
    {
        for (int i = 0; i < _count; i++)
        {
            int slot = _slots[i];
            _marked[slot] = false;
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
        _count = 0;
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
                State.Values[slot] = Descriptor.ValueSerializer.Read(ref reader);
                State.HasValue[slot] = true;
                break;
            case StateChangeOperation.Clear:
                State.Values[slot] = default!;
                State.HasValue[slot] = false;
                break;
            default:
                throw reader.Malformed($"operation {operation} does not apply to value state '{Name}'");
        }
    }
}

/// <summary>A list state whose writes are logged: <c>Add(count, elements)</c>, <c>Set(list)</c>, <c>Clear</c>.</summary>
internal sealed class ChangelogListState<TKey, T>(KeyedState<TKey, ListCell<T>> state,
    KeyedStateDescriptor<TKey, ListCell<T>> descriptor, int id, StateChangelogWriter? log)
    : ChangelogState<TKey, ListCell<T>>(state, descriptor, id, log), IListChangeLog<T>
    where TKey : notnull
{
    private readonly ISerializer<T> _elements = ((ListCellSerializer<T>)descriptor.ValueSerializer).ElementSerializer;

    public void Add(int slot, T item)
    {
        StateWriter writer = Begin(StateChangeOperation.Add, slot, out int keyGroup);
        writer.WriteLength(1);
        _elements.Write(ref writer, item);
        End(keyGroup);
    }

    public void AddRange(int slot, List<T> list, int from)
    {
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
        StateWriter writer = Begin(StateChangeOperation.Set, slot, out int keyGroup);
        writer.WriteLength(list.Count);
        foreach (T item in list)
        {
            _elements.Write(ref writer, item);
        }
        End(keyGroup);
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
                break;
            case StateChangeOperation.Clear:
                cell.Items.Clear();
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
internal sealed class ChangelogMapState<TKey, TMapKey, TValue>(KeyedState<TKey, MapCell<TMapKey, TValue>> state,
    KeyedStateDescriptor<TKey, MapCell<TMapKey, TValue>> descriptor, int id, StateChangelogWriter? log)
    : ChangelogState<TKey, MapCell<TMapKey, TValue>>(state, descriptor, id, log), IMapChangeLog<TMapKey, TValue>
    where TKey : notnull
    where TMapKey : notnull
{
    private readonly MapCellSerializer<TMapKey, TValue> _cells = (MapCellSerializer<TMapKey, TValue>)descriptor.ValueSerializer;

    public void Put(int slot, TMapKey key, TValue value)
    {
        StateWriter writer = Begin(StateChangeOperation.AddOrUpdateElement, slot, out int keyGroup);
        _cells.KeySerializer.Write(ref writer, key);
        _cells.ValueSerializer.Write(ref writer, value);
        End(keyGroup);
    }

    public void Remove(int slot, TMapKey key)
    {
        StateWriter writer = Begin(StateChangeOperation.RemoveElement, slot, out int keyGroup);
        _cells.KeySerializer.Write(ref writer, key);
        End(keyGroup);
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
                cell.Entries[key] = _cells.ValueSerializer.Read(ref reader);
                break;
            case StateChangeOperation.RemoveElement:
                cell.Entries.Remove(_cells.KeySerializer.Read(ref reader) ?? throw reader.Malformed($"a change of map state '{Name}' has a null map key"));
                break;
            case StateChangeOperation.Clear:
                cell.Entries.Clear();
                break;
            default:
                throw reader.Malformed($"operation {operation} does not apply to map state '{Name}'");
        }
    }
}
