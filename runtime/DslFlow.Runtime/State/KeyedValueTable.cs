using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace DslFlow.State;

/// <summary>
/// The values of one <see cref="ValueState{T}"/> parameter of one subtask: an open-addressing table (linear probing,
/// power-of-two capacity) that keeps keys, values and key groups inline. The stable hash the router already computed
/// picks the slot, so a record costs one probe sequence and no allocation; the facade then reads and writes the value
/// by slot, without a per-key cell object. Snapshots read it per key group (<see cref="EntriesOf"/>).
/// </summary>
/// <typeparam name="TKey">The record key type.</typeparam>
/// <typeparam name="T">The value type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class KeyedValueTable<TKey, T> : ValueStore<T>
    where TKey : notnull
{
    private const int InitialCapacity = 64;
    private TKey[] _keys = new TKey[InitialCapacity];
    private int[] _hashes = new int[InitialCapacity];
    private int[] _groups = new int[InitialCapacity]; // key group + 1; 0 marks a free slot
    private int _count;
    private int _shift = 64 - 6;

    /// <summary>Creates an empty table for the key groups a subtask owns.</summary>
    public KeyedValueTable(string stateName, KeyGroupRange range)
        : base(InitialCapacity)
    {
        StateName = stateName;
        Range = range;
    }

    /// <summary>The state parameter's name.</summary>
    public string StateName { get; }

    /// <summary>The key groups this table holds.</summary>
    public KeyGroupRange Range { get; }

    /// <summary>Number of keys that currently hold a value.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            for (int i = 0; i < _groups.Length; i++)
            {
                n += _groups[i] != 0 && HasValue[i] ? 1 : 0;
            }
            return n;
        }
    }

    /// <summary>
    /// The slot of a key (added, without a value, on first use). <paramref name="stableHash"/> is
    /// <see cref="StableHash"/> of the key, the one that chose <paramref name="keyGroup"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Slot(TKey key, int stableHash, int keyGroup)
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
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// <summary>The keys of one key group that hold a value, with their values.</summary>
    public IEnumerable<KeyValuePair<TKey, T>> EntriesOf(int keyGroup)
    {
        if (!Range.Contains(keyGroup))
        {
            throw new ArgumentOutOfRangeException(nameof(keyGroup), keyGroup, $"Key group is outside {Range}.");
        }
        for (int i = 0; i < _groups.Length; i++)
        {
            if (_groups[i] == keyGroup + 1 && HasValue[i])
            {
                yield return new KeyValuePair<TKey, T>(_keys[i], Values[i]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Add(int slot, TKey key, int stableHash, int keyGroup)
    {
        if (!Range.Contains(keyGroup))
        {
            throw new InvalidOperationException(
                $"State '{StateName}': key '{key}' is in key group {keyGroup}, which this subtask does not own " +
                $"(it owns {Range}). Records were routed with a hash that differs from the state's.");
        }
        if ((_count + 1) * 2 > _groups.Length)
        {
            Grow();
            return Slot(key, stableHash, keyGroup);
        }
        _keys[slot] = key;
        _hashes[slot] = stableHash;
        _groups[slot] = keyGroup + 1;
        _count++;
        return slot;
    }

    private void Grow()
    {
        TKey[] keys = _keys;
        int[] hashes = _hashes, groups = _groups;
        T[] values = Values;
        bool[] has = HasValue;
        int capacity = groups.Length * 2;
        _keys = new TKey[capacity];
        _hashes = new int[capacity];
        _groups = new int[capacity];
        Resize(capacity);
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
    internal T[] Values { get; private set; }

    /// <summary>Whether a slot holds a value.</summary>
    internal bool[] HasValue { get; private set; }

    private protected void Resize(int capacity)
    {
        Values = new T[capacity];
        HasValue = new bool[capacity];
    }
}
