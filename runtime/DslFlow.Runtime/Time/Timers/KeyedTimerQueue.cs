using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;

namespace DslFlow.Time.Timers;

/// <summary>
/// One kind of keyed timers (event time or processing time) of one subtask, on the heap (the idea of Flink's
/// <c>HeapPriorityQueueSet</c>): at most one timer per key and time; due timers come out in time order (ties in the
/// order they were registered); a timer can be deleted. Timers are keyed state: <see cref="Snapshot"/> writes them per
/// key group in the one snapshot format (<c>int32 hash, key, int64 time</c>), so a restore — rescaled or not — takes the
/// key groups it owns with <see cref="RestoreBlock"/>. Owned by the task thread.
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
internal sealed class KeyedTimerQueue<TKey> : ITimerQueueSection
    where TKey : notnull
{
    private readonly ISerializer<TKey> _keys;
    private readonly KeyGroupRange _range;
    private readonly int _maxParallelism;
    private readonly SortedSet<Timer> _byTime = new(TimerOrder.Instance);
    private readonly Dictionary<(TKey Key, long Time), Timer> _registered = [];
    private long _sequence;

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
    public int Count => _byTime.Count;

    /// <summary>The earliest timer's time, or null when none is registered.</summary>
    public long? NextTime => _byTime.Count == 0 ? null : _byTime.Min!.Time;

    /// <summary>Registers a timer for <paramref name="key"/> at <paramref name="time"/>; false when it already was.</summary>
    public bool Register(TKey key, int stableHash, long time)
    {
        if (_registered.ContainsKey((key, time)))
        {
            return false;
        }
        int keyGroup = KeyGroups.Assign(stableHash, _maxParallelism);
        if (!_range.Contains(keyGroup))
        {
            throw new ArgumentOutOfRangeException(nameof(stableHash), stableHash, $"The key's group {keyGroup} is outside {_range}.");
        }
        var timer = new Timer(key, stableHash, keyGroup, time, _sequence++);
        _registered.Add((key, time), timer);
        _byTime.Add(timer);
        return true;
    }

    /// <summary>Deletes the timer of <paramref name="key"/> at <paramref name="time"/>; false when there was none.</summary>
    public bool Delete(TKey key, long time)
    {
        if (!_registered.Remove((key, time), out Timer? timer))
        {
            return false;
        }
        _byTime.Remove(timer);
        return true;
    }

    /// <summary>
    /// Takes the earliest timer if it is due (its time at or before <paramref name="time"/>). One at a time, so a timer that
    /// fires may register another that is due too, which then comes out in turn (as in Flink).
    /// </summary>
    public bool TryTakeDue(long time, out TKey key, out int stableHash, out long timerTime)
    {
        if (_byTime.Count == 0 || _byTime.Min!.Time > time)
        {
            (key, stableHash, timerTime) = (default!, 0, 0);
            return false;
        }
        Timer timer = _byTime.Min;
        _byTime.Remove(timer);
        _registered.Remove((timer.Key, timer.Time));
        (key, stableHash, timerTime) = (timer.Key, timer.StableHash, timer.Time);
        return true;
    }

    /// <summary>Every registered timer, serialized now by key group in increasing order (the synchronous part: timers are few).</summary>
    public IReadOnlyList<KeyGroupBlock> Snapshot()
    {
        using var buffers = new GroupBuffers(_range);
        foreach (Timer timer in _byTime)
        {
            var writer = new StateWriter(buffers.For(timer.KeyGroup));
            writer.WriteInt32(timer.StableHash);
            _keys.Write(ref writer, timer.Key);
            writer.WriteInt64(timer.Time);
            buffers.Count(timer.KeyGroup);
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

    private sealed record Timer(TKey Key, int StableHash, int KeyGroup, long Time, long Sequence);

    /// <summary>By time, then by registration: a total order, so equal times never collapse in the sorted set.</summary>
    private sealed class TimerOrder : IComparer<Timer>
    {
        public static readonly TimerOrder Instance = new();

        public int Compare(Timer? x, Timer? y) =>
            x!.Time != y!.Time ? x.Time.CompareTo(y.Time) : x.Sequence.CompareTo(y.Sequence);
    }
}
