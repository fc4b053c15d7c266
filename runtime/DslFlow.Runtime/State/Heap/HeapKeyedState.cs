using System.ComponentModel;
using System.Runtime.CompilerServices;
using DslFlow.State.Backends;

namespace DslFlow.State.Heap;

/// <summary>
/// One keyed state of the heap backend: an open-addressing table (linear probing, power-of-two capacity) that keeps
/// keys, stable hashes, key groups and values inline. The hash the router already computed picks the slot, so a record
/// costs one probe sequence and no allocation; the facade then reads and writes the value by slot. One table serves
/// value, list and map states (a list or map keeps its per-key cell as the value). Snapshots are copy-on-write
/// (<see cref="Snapshot"/>): the synchronous part only opens a capture; the first touch of an entry after it saves the
/// entry before the write.
/// </summary>
/// <typeparam name="TKey">The record key type.</typeparam>
/// <typeparam name="TValue">The value type, or the cell type of a list or map state.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class HeapKeyedState<TKey, TValue> : KeyedState<TKey, TValue>
    where TKey : notnull
{
    private const int InitialCapacity = 64;
    private readonly KeyedStateDescriptor<TKey, TValue> _descriptor;
    private TKey[] _keys = new TKey[InitialCapacity];
    private int[] _hashes = new int[InitialCapacity];
    private int[] _groups = new int[InitialCapacity]; // key group + 1; 0 marks a free slot
    private int[] _captured = new int[InitialCapacity]; // per slot: the capture that saved it (see Capture)
    private int _count;
    private int _shift = 64 - 6;

    /// <summary>Creates an empty state for the key groups a subtask owns.</summary>
    internal HeapKeyedState(KeyedStateDescriptor<TKey, TValue> descriptor, KeyGroupRange range)
        : base(descriptor.Name, range, InitialCapacity)
    {
        _descriptor = descriptor;
    }

    /// <summary>Creates an empty value state (tests and hand-written tasks); serializers are looked up at run time.</summary>
    public HeapKeyedState(string stateName, KeyGroupRange range)
        : this(KeyedStateDescriptor<TKey, TValue>.Infer(stateName), range)
    {
    }

    /// <inheritdoc/>
    public override int Count
    {
        get
        {
            int n = 0;
            for (int i = 0; i < _groups.Length; i++)
            {
                n += _groups[i] != 0 && Present(i) ? 1 : 0;
            }
            return n;
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int Slot(TKey key, int stableHash, int keyGroup)
    {
        int mask = _groups.Length - 1;
        int slot = (int)(((ulong)(uint)stableHash * 0x9E3779B97F4A7C15UL) >> _shift);
        while (true)
        {
            int group = _groups[slot];
            if (group == 0)
            {
                return Add(slot, key, stableHash, keyGroup);
            }
            if (_hashes[slot] == stableHash && EqualityComparer<TKey>.Default.Equals(_keys[slot], key))
            {
                if (_capture is { } capture && _captured[slot] != capture.Epoch)
                {
                    capture.SaveBeforeWrite(slot); // the caller writes next: keep what the snapshot must see
                }
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<KeyValuePair<TKey, TValue>> EntriesOf(int keyGroup)
    {
        if (!Range.Contains(keyGroup))
        {
            throw new ArgumentOutOfRangeException(nameof(keyGroup), keyGroup, $"Key group is outside {Range}.");
        }
        for (int i = 0; i < _groups.Length; i++)
        {
            if (_groups[i] == keyGroup + 1 && Present(i))
            {
                yield return new KeyValuePair<TKey, TValue>(_keys[i], Values[i]);
            }
        }
    }

    /// <inheritdoc/>
    internal override (TKey Key, int StableHash, int KeyGroup) KeyOf(int slot) => (_keys[slot], _hashes[slot], _groups[slot] - 1);

    /// <summary>True when the slot's entry belongs in a snapshot: a value was set, or its cell is not empty.</summary>
    private bool Present(int slot) => Present(HasValue[slot], Values[slot]);

    private bool Present(bool hasValue, TValue value) =>
        hasValue && !(_descriptor.HoldsCells && ((IStateCell)value!).IsEmpty);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Add(int slot, TKey key, int stableHash, int keyGroup)
    {
        if (!Range.Contains(keyGroup))
        {
            throw WrongKeyGroup(key, keyGroup);
        }
        if ((_count + 1) * 2 > _groups.Length)
        {
            Grow();
            return Slot(key, stableHash, keyGroup);
        }
        if (_capture is { } capture && _captured[slot] != capture.Epoch)
        {
            capture.SaveBeforeWrite(slot); // a free slot: the snapshot must not see the key added now
        }
        _keys[slot] = key;
        _hashes[slot] = stableHash;
        _groups[slot] = keyGroup + 1;
        _count++;
        return slot;
    }

    /// <summary>
    /// Doubles the table into new arrays. A capture in progress keeps reading the old ones, which are never written
    /// again: first every entry it has not reached is saved, since values and cells move to the new arrays by reference.
    /// </summary>
    private void Grow()
    {
        (ChangeLog as Changelog.IDeferredChanges)?.Flush(); // its marks name slots that are about to move
        if (_capture is { } capture)
        {
            capture.SaveAll();
            EndCapture(capture);
        }
        TKey[] keys = _keys;
        int[] hashes = _hashes, groups = _groups;
        TValue[] values = Values;
        bool[] has = HasValue;
        int capacity = groups.Length * 2;
        _keys = new TKey[capacity];
        _hashes = new int[capacity];
        _groups = new int[capacity];
        _captured = new int[capacity];
        Values = new TValue[capacity];
        HasValue = new bool[capacity];
        _shift--;
        int mask = capacity - 1;
        for (int i = 0; i < groups.Length; i++)
        {
            if (groups[i] == 0)
            {
                continue;
            }
            int slot = (int)(((ulong)(uint)hashes[i] * 0x9E3779B97F4A7C15UL) >> _shift);
            while (_groups[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }
            _keys[slot] = keys[i];
            _hashes[slot] = hashes[i];
            _groups[slot] = groups[i];
            Values[slot] = values[i];
            HasValue[slot] = has[i];
        }
    }
}
