using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;

namespace DslFlow.Time.Timers;

/// <summary>
/// One kind of keyed timers (event time or processing time) of one subtask, on the heap (the idea of Flink's
/// <c>HeapPriorityQueueSet</c>): at most one timer per key and time; due timers come out in time order (ties in the
/// order they were registered; after a restore, in key-group order); a timer can be deleted. A binary heap holds the
/// timers by time and a dictionary the live one per key and time: a deleted timer stays in the heap until it reaches the
/// top or the heap is compacted, and is skipped then. Timers are keyed state: <see cref="Snapshot"/> writes them per key
/// group in the one snapshot format (<c>int32 hash, key, int64 time</c>), so a restore — rescaled or not — takes the key
/// groups it owns with <see cref="RestoreBlock"/>. Owned by the task thread.
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
internal sealed class KeyedTimerQueue<TKey> : ITimerQueueSection
    where TKey : notnull
{
    private readonly ISerializer<TKey> _keys;
    private readonly KeyGroupRange _range;
    private readonly int _maxParallelism;
    private PriorityQueue<Entry, (long Time, long Sequence)> _heap = new();
    private readonly Dictionary<(TKey Key, long Time), long> _registered = []; // the live entry's sequence
    private long _sequence;
    private int _stale; // deleted entries still in the heap

    /// <summary>Creates an empty queue for the key groups of <paramref name="range"/>.</summary>
    public KeyedTimerQueue(string name, ISerializer<TKey> keys, KeyGroupRange range, int maxParallelism)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        _keys = keys ?? throw new ArgumentNullException(nameof(keys));
        _range = range;
        _maxParallelism = maxParallelism;
    }

    /// <summary>The name of the queue's section in a checkpoint (<c>Node.$timers.event</c>, <c>Node.$timers.processing</c>).</summary>
    public string Name { get; }

    /// <summary>Timers registered and not fired or deleted.</summary>
    public int Count => _registered.Count;

    /// <summary>The earliest timer's time, or null when none is registered.</summary>
    public long? NextTime
    {
        get
        {
            SkipDeleted();
            return _heap.TryPeek(out Entry entry, out _) ? entry.Time : null;
        }
    }

    /// <summary>Registers a timer for <paramref name="key"/> at <paramref name="time"/>; false when it already was.</summary>
    public bool Register(TKey key, int stableHash, long time)
    {
        int keyGroup = KeyGroups.Assign(stableHash, _maxParallelism);
        if (!_range.Contains(keyGroup))
        {
            throw new ArgumentOutOfRangeException(nameof(stableHash), stableHash, $"The key's group {keyGroup} is outside {_range}.");
        }
        long sequence = _sequence;
        if (!_registered.TryAdd((key, time), sequence))
        {
            return false;
        }
        _sequence++;
        _heap.Enqueue(new Entry(key, stableHash, time, sequence), (time, sequence));
        return true;
    }

    /// <summary>Deletes the timer of <paramref name="key"/> at <paramref name="time"/>; false when there was none.</summary>
    public bool Delete(TKey key, long time)
    {
        if (!_registered.Remove((key, time)))
        {
            return false;
        }
        if (++_stale > 1024 && _stale > _registered.Count)
        {
            Compact(); // deletions outnumber live timers: rebuild the heap from the live ones
        }
        return true;
    }

    /// <summary>
    /// Takes the earliest timer if it is due (its time at or before <paramref name="time"/>). One at a time, so a timer that
    /// fires may register another that is due too, which then comes out in turn (as in Flink).
    /// </summary>
    public bool TryTakeDue(long time, out TKey key, out int stableHash, out long timerTime)
    {
        SkipDeleted();
        if (!_heap.TryPeek(out Entry entry, out _) || entry.Time > time)
        {
            (key, stableHash, timerTime) = (default!, 0, 0);
            return false;
        }
        _heap.Dequeue();
        _registered.Remove((entry.Key, entry.Time));
        (key, stableHash, timerTime) = (entry.Key, entry.StableHash, entry.Time);
        return true;
    }

    /// <summary>Every registered timer, serialized now by key group in increasing order (the synchronous part: timers are few).</summary>
    public IReadOnlyList<KeyGroupBlock> Snapshot()
    {
        using var buffers = new GroupBuffers(_range);
        foreach ((Entry timer, _) in _heap.UnorderedItems)
        {
            if (!IsLive(timer))
            {
                continue;
            }
            int keyGroup = KeyGroups.Assign(timer.StableHash, _maxParallelism);
            var writer = new StateWriter(buffers.For(keyGroup));
            writer.WriteInt32(timer.StableHash);
            _keys.Write(ref writer, timer.Key);
            writer.WriteInt64(timer.Time);
            buffers.Count(keyGroup);
        }
        return buffers.CopyBlocks();
    }

    /// <summary>What the queue's checkpoint section holds, checked on restore like a state's descriptor.</summary>
    public string Descriptor => $"timers of {typeof(TKey).FullName}";

    /// <summary>The queue's snapshot as a keyed section of a task's checkpoint (serialized now; timers are few).</summary>
    public IKeyedStateSnapshot SnapshotSection() => new Section(Name, Descriptor, Snapshot());

    /// <summary>Adds the timers of one key-group block of a snapshot; returns how many it held.</summary>
    /// <exception cref="StateFormatException">The block is malformed, or an entry's hash belongs to another key group.</exception>
    public int RestoreBlock(int keyGroup, int count, ReadOnlySpan<byte> entries)
    {
        if (!_range.Contains(keyGroup))
        {
            throw new ArgumentOutOfRangeException(nameof(keyGroup), keyGroup, $"Key group is outside {_range}.");
        }
        var reader = new StateReader(entries);
        for (int e = 0; e < count; e++)
        {
            int hash = reader.ReadInt32();
            if (KeyGroups.Assign(hash, _maxParallelism) != keyGroup)
            {
                throw reader.Malformed($"a timer's hash 0x{hash:x8} belongs to key group {KeyGroups.Assign(hash, _maxParallelism)}, not to the block's key group {keyGroup}");
            }
            TKey key = _keys.Read(ref reader) ?? throw reader.Malformed("a timer's key is null, which no writer saves");
            Register(key, hash, reader.ReadInt64());
        }
        reader.ExpectEnd();
        return count;
    }

    /// <summary>A snapshot taken whole at the barrier: the same blocks however often it is written.</summary>
    private sealed class Section(string name, string descriptor, IReadOnlyList<KeyGroupBlock> blocks) : IKeyedStateSnapshot
    {
        public string Name => name;

        public string Descriptor => descriptor;

        public IEnumerable<KeyGroupBlock> Serialize(CancellationToken cancellationToken) => blocks;

        public void Dispose()
        {
        }
    }

    private bool IsLive(in Entry entry) => _registered.TryGetValue((entry.Key, entry.Time), out long sequence) && sequence == entry.Sequence;

    /// <summary>Drops deleted timers from the top of the heap, so its top is the earliest live timer.</summary>
    private void SkipDeleted()
    {
        while (_stale > 0 && _heap.TryPeek(out Entry entry, out _) && !IsLive(entry))
        {
            _heap.Dequeue();
            _stale--;
        }
    }

    private void Compact()
    {
        var live = new PriorityQueue<Entry, (long Time, long Sequence)>(_registered.Count);
        foreach ((Entry entry, (long Time, long Sequence) priority) in _heap.UnorderedItems)
        {
            if (IsLive(entry))
            {
                live.Enqueue(entry, priority);
            }
        }
        _heap = live;
        _stale = 0;
    }

    /// <summary>A timer in the heap: live while the dictionary holds its sequence for its key and time.</summary>
    private readonly record struct Entry(TKey Key, int StableHash, long Time, long Sequence);
}
