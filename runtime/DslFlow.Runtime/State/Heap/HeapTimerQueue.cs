using DslFlow.Serialization;
using DslFlow.State.Backends;
using DslFlow.Time.Timers;

namespace DslFlow.State.Heap;

/// <summary>
/// The heap backend's timer queue (the idea of Flink's <c>HeapPriorityQueueSet</c>): one kind of keyed timers (event
/// time or processing time) of one subtask in memory: at most one timer per key and time; due timers come out by time (those of one time in
/// the order they were registered; after a restore, in key-group order); a timer can be deleted. Timers are grouped by
/// time — many keys share a time (a window's end) — in buckets, whose times a small binary heap orders; a dictionary
/// holds the live timer per key and time. Firing walks a bucket in order rather than sifting a heap of every timer,
/// which matters when a watermark interval leaves many timers pending. A deleted timer stays in its bucket, skipped when
/// it comes up, until the buckets are compacted. Timers are keyed state: <see cref="Snapshot"/> writes them per key group
/// in the one snapshot format (<c>int32 hash, key, int64 time</c>), so a restore — rescaled or not — takes the key groups
/// it owns with <see cref="RestoreBlock"/>. Owned by the task thread.
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
internal sealed class HeapTimerQueue<TKey> : IKeyedTimerQueue<TKey>, IHeapTimerQueue
    where TKey : notnull
{
    private readonly ISerializer<TKey> _keys;
    private readonly KeyGroupRange _range;
    private readonly int _maxParallelism;
    private readonly Dictionary<(TKey Key, long Time), long> _registered = []; // the live entry's sequence
    private readonly Dictionary<long, List<Entry>> _buckets = [];
    private readonly PriorityQueue<long, long> _times = new(); // the times of the buckets, each once
    private readonly Stack<List<Entry>> _spare = new();
    private List<Entry>? _firing; // the bucket being fired, taken out of _buckets
    private int _next; // the next entry of _firing
    private long _sequence;
    private int _stale; // deleted entries still in a bucket

    /// <summary>Creates an empty queue for the key groups of <paramref name="range"/>.</summary>
    public HeapTimerQueue(TimerQueueDescriptor<TKey> descriptor, KeyGroupRange range, int maxParallelism)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        Name = descriptor.Name;
        Descriptor = descriptor.Description;
        _keys = descriptor.KeySerializer;
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
            if (_registered.Count == 0)
            {
                return null;
            }
            if (_firing is not null)
            {
                while (_next < _firing.Count && !IsLive(_firing[_next]))
                {
                    _next++;
                    _stale--;
                }
                if (_next < _firing.Count)
                {
                    return _firing[_next].Time;
                }
            }
            while (_stale > 0 && _times.TryPeek(out long time, out _) && !_buckets[time].Exists(IsLive))
            {
                _times.Dequeue(); // every timer of that time was deleted
                _buckets.Remove(time, out List<Entry>? deleted);
                _stale -= deleted!.Count;
                Recycle(deleted);
            }
            return _times.TryPeek(out long earliest, out _) ? earliest : null;
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
        if (!_buckets.TryGetValue(time, out List<Entry>? bucket))
        {
            bucket = _spare.Count > 0 ? _spare.Pop() : [];
            _buckets.Add(time, bucket);
            _times.Enqueue(time, time);
        }
        bucket.Add(new Entry(key, stableHash, time, sequence));
        return true;
    }

    /// <summary>Drops every timer (processing-time timers at the end of input: they no longer fire, nor restore).</summary>
    public void Clear()
    {
        _registered.Clear();
        _buckets.Clear();
        _times.Clear();
        _firing = null;
        _next = 0;
        _stale = 0;
    }

    /// <summary>Deletes the timer of <paramref name="key"/> at <paramref name="time"/>; false when there was none.</summary>
    public bool Delete(TKey key, int stableHash, long time)
    {
        if (!_registered.Remove((key, time)))
        {
            return false;
        }
        if (++_stale > 1024 && _stale > _registered.Count)
        {
            Compact(); // deletions outnumber live timers: keep only the live ones
        }
        return true;
    }

    /// <summary>
    /// Takes the earliest timer if it is due (its time at or before <paramref name="time"/>). One at a time, so a timer that
    /// fires may register another that is due too, which then comes out in turn (as in Flink).
    /// </summary>
    public bool TryTakeDue(long time, out TKey key, out int stableHash, out long timerTime)
    {
        while (true)
        {
            if (_firing is null)
            {
                if (!_times.TryPeek(out long earliest, out _) || earliest > time)
                {
                    (key, stableHash, timerTime) = (default!, 0, 0);
                    return false;
                }
                _times.Dequeue();
                _buckets.Remove(earliest, out _firing);
                _next = 0;
            }
            while (_next < _firing!.Count)
            {
                Entry entry = _firing[_next++];
                if (_registered.TryGetValue((entry.Key, entry.Time), out long sequence) && sequence == entry.Sequence)
                {
                    _registered.Remove((entry.Key, entry.Time));
                    (key, stableHash, timerTime) = (entry.Key, entry.StableHash, entry.Time);
                    return true;
                }
                _stale--; // deleted
            }
            Recycle(_firing);
            _firing = null;
        }
    }

    /// <summary>Every registered timer, serialized now by key group in increasing order (the synchronous part: timers are few).</summary>
    public IReadOnlyList<KeyGroupBlock> Snapshot()
    {
        using var buffers = new GroupBuffers(_range);
        foreach (Entry timer in Entries())
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
    public string Descriptor { get; }

    /// <summary>The queue's snapshot as a keyed section of a task's checkpoint (serialized now; timers are few).</summary>
    public IKeyedStateSnapshot SnapshotSection() => new Section(Name, Descriptor, Snapshot());

    /// <summary>Adds the timers of one key-group block of a snapshot.</summary>
    /// <exception cref="StateFormatException">The block is malformed, or an entry's hash belongs to another key group.</exception>
    public void RestoreBlock(int keyGroup, int count, ReadOnlySpan<byte> entries)
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

    private bool IsLive(Entry entry) => _registered.TryGetValue((entry.Key, entry.Time), out long sequence) && sequence == entry.Sequence;

    /// <summary>Every entry not fired yet, live or deleted: the rest of the bucket being fired, then the buckets.</summary>
    private IEnumerable<Entry> Entries()
    {
        if (_firing is not null)
        {
            for (int i = _next; i < _firing.Count; i++)
            {
                yield return _firing[i];
            }
        }
        foreach (List<Entry> bucket in _buckets.Values)
        {
            foreach (Entry entry in bucket)
            {
                yield return entry;
            }
        }
    }

    /// <summary>Drops the deleted entries from every bucket, and the buckets left empty with their times.</summary>
    private void Compact()
    {
        _times.Clear();
        foreach (long time in _buckets.Keys.ToList())
        {
            List<Entry> bucket = _buckets[time];
            bucket.RemoveAll(e => !IsLive(e));
            if (bucket.Count == 0)
            {
                _buckets.Remove(time);
                Recycle(bucket);
            }
            else
            {
                _times.Enqueue(time, time);
            }
        }
        if (_firing is not null)
        {
            _firing.RemoveRange(0, _next);
            _next = 0;
            _firing.RemoveAll(e => !IsLive(e));
        }
        _stale = 0;
    }

    private void Recycle(List<Entry> bucket)
    {
        bucket.Clear();
        if (_spare.Count < 64)
        {
            _spare.Push(bucket);
        }
    }

    /// <summary>A timer in a bucket: live while the dictionary holds its sequence for its key and time.</summary>
    private readonly record struct Entry(TKey Key, int StableHash, long Time, long Sequence);
}

/// <summary>A heap timer queue without its type parameter: what the heap backend's snapshots and restores need.</summary>
internal interface IHeapTimerQueue
{
    string Name { get; }

    string Descriptor { get; }

    /// <summary>The queue's timers now, per key group (the synchronous part of a checkpoint).</summary>
    IKeyedStateSnapshot SnapshotSection();

    /// <summary>Adds the timers of one key-group block.</summary>
    void RestoreBlock(int keyGroup, int count, ReadOnlySpan<byte> entries);
}
