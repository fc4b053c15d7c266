using System.Buffers.Binary;
using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.StateBackends.RocksDb.States;
using DslFlow.Time.Timers;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb.Timers;

/// <summary>
/// A timer queue in its own column family (Flink's <c>RocksDBPriorityQueueSetFactory</c>, the RocksDB backend's default
/// timer service): one row per timer, keyed <c>key-group prefix | time | key</c> — the time big-endian with its sign
/// flipped, so within a key group rows sort by time, then by key — holding the key's 32-bit stable hash. The key-group
/// prefix comes first, as in every state's column family, so snapshots, native restores and rescaling treat the queue
/// like a state. In memory the queue keeps only each owned key group's earliest time and a heap of key groups by it
/// (Flink's <c>KeyGroupPartitionedPriorityQueue</c>): the earliest timer is one seek away, so timers need no memory per
/// timer and survive as RocksDB state beyond the heap. Each group also keeps a seek hint (Flink's <c>seekHint</c>): a
/// row no live row of the group sorts before — the last timer taken, the earliest row after its head was deleted, or a
/// registration before it — so a seek does not walk the tombstones of every timer fired since the last compaction.
/// After a restore wrote rows, the backend calls <see cref="Reindex"/> on the task thread. Task thread only, except <see cref="Count"/> (a plain read, for metrics).
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
internal sealed class RocksDbTimerQueue<TKey> : IKeyedTimerQueue<TKey>, IRocksDbTimerQueue
    where TKey : notnull
{
    private const int TimeBytes = 8;
    private readonly RocksDbSubtaskDatabase _database;
    private readonly TimerQueueDescriptor<TKey> _descriptor;
    private readonly KeyGroupRange _range;
    private readonly StateBuffer _row = new(64);
    private readonly byte[] _hash = new byte[4];
    private readonly RowFinder _finder = new();
    private readonly long?[] _heads; // per owned key group: the time of its earliest timer
    private readonly byte[]?[] _hints; // per owned key group: a row at or before its earliest live row, or null (the group's start)
    private readonly PriorityQueue<int, long> _groups = new(); // key groups by their head's time; entries that no longer match skipped
    private int _count;
    private bool _indexed;

    public RocksDbTimerQueue(RocksDbSubtaskDatabase database, TimerQueueDescriptor<TKey> descriptor, KeyGroupRange range, int maxParallelism)
    {
        _database = database;
        _descriptor = descriptor;
        _range = range;
        MaxParallelism = maxParallelism;
        PrefixBytes = KeyLayout.PrefixBytes(maxParallelism);
        _heads = new long?[range.Count];
        _hints = new byte[]?[range.Count];
        Column = database.ColumnFamily(descriptor.Name);
        _indexed = true; // a new column family is empty
    }

    public string Name => _descriptor.Name;

    public string DescriptorText => _descriptor.Description;

    public int PrefixBytes { get; }

    public int MaxParallelism { get; }

    public ColumnFamilyHandle Column { get; private set; }

    /// <summary>Timers registered and not fired or deleted (read by metrics from any thread: never touches RocksDB).</summary>
    public int Count => Volatile.Read(ref _count);

    public long? NextTime
    {
        get
        {
            EnsureIndexed();
            return PeekEarliest(out _, out long time) ? time : null;
        }
    }

    public bool Register(TKey key, int stableHash, long time)
    {
        EnsureIndexed();
        int keyGroup = OwnedGroup(stableHash);
        ReadOnlySpan<byte> row = Row(keyGroup, time, key);
        try
        {
            if (Exists(row))
            {
                return false;
            }
            BinaryPrimitives.WriteInt32LittleEndian(_hash, stableHash);
            _database.Db.Put(row, _hash, Column, _database.WriteOptions);
        }
        catch (RocksDbException ex)
        {
            throw Failed("register a timer in", ex);
        }
        Volatile.Write(ref _count, _count + 1);
        int index = keyGroup - _range.Start;
        if (_hints[index] is { } hint && row.SequenceCompareTo(hint) < 0)
        {
            _hints[index] = row.ToArray(); // nothing live sorts before it now
        }
        if (_heads[index] is not { } head || time < head)
        {
            SetHead(keyGroup, time);
        }
        return true;
    }

    public bool Delete(TKey key, int stableHash, long time)
    {
        EnsureIndexed();
        int keyGroup = OwnedGroup(stableHash);
        ReadOnlySpan<byte> row = Row(keyGroup, time, key);
        try
        {
            if (!Exists(row))
            {
                return false;
            }
            _database.Db.Remove(row, Column, _database.WriteOptions);
            Volatile.Write(ref _count, _count - 1);
            int index = keyGroup - _range.Start;
            if (_heads[index] == time)
            {
                byte[] deleted = row.ToArray();
                (long? head, byte[]? first) = ReadFirst(keyGroup); // another key may have a timer at the same time
                _hints[index] = first ?? deleted; // a re-armed timeout's next seek skips this tombstone
                SetHead(keyGroup, head);
            }
        }
        catch (RocksDbException ex)
        {
            throw Failed("delete a timer from", ex);
        }
        return true;
    }

    public bool TryTakeDue(long time, out TKey key, out int stableHash, out long timerTime)
    {
        EnsureIndexed();
        while (PeekEarliest(out int keyGroup, out long earliest) && earliest <= time)
        {
            try
            {
                using Iterator rows = GroupRows(keyGroup, snapshot: null);
                if (!rows.Valid() || DecodeTime(rows.GetKeySpan()) != earliest)
                {
                    rows.ThrowIfFailed();
                    _groups.Dequeue(); // the index was wrong about this group: read its earliest timer again, fire nothing early
                    SetHead(keyGroup, rows.Valid() ? DecodeTime(rows.GetKeySpan()) : null);
                    continue;
                }
                byte[] row = rows.GetKeySpan().ToArray();
                var reader = new StateReader(row.AsSpan(PrefixBytes + TimeBytes));
                key = _descriptor.KeySerializer.Read(ref reader);
                stableHash = BinaryPrimitives.ReadInt32LittleEndian(rows.GetValueSpan());
                timerTime = earliest;
                rows.Next(); // the iterator reads as of its creation: the next row is the group's next timer
                long? next = rows.Valid() ? DecodeTime(rows.GetKeySpan()) : null;
                rows.ThrowIfFailed();
                _database.Db.Remove(row, Column, _database.WriteOptions);
                Volatile.Write(ref _count, _count - 1);
                _hints[keyGroup - _range.Start] = row; // every live row of the group sorts after it
                _groups.Dequeue();
                SetHead(keyGroup, next);
                return true;
            }
            catch (RocksDbException ex)
            {
                throw Failed("take a due timer from", ex);
            }
        }
        (key, stableHash, timerTime) = (default!, 0, 0);
        return false;
    }

    public void Clear()
    {
        try
        {
            using var batch = new WriteBatch();
            byte[] first = KeyLayout.Prefix(_range.Start, PrefixBytes);
            byte[] after = KeyLayout.UpperBound(_range.End, PrefixBytes);
            batch.DeleteRange(first, (ulong)first.Length, after, (ulong)after.Length, Column);
            _database.Db.Write(batch, _database.WriteOptions);
        }
        catch (RocksDbException ex)
        {
            throw Failed("clear", ex);
        }
        Array.Clear(_heads);
        Array.Clear(_hints);
        _groups.Clear();
        Volatile.Write(ref _count, 0);
        _indexed = true;
    }

    /// <summary>Writes the group's timers in the snapshot format, <c>int32 hash, key, int64 time</c> each, in time order.</summary>
    public int WriteGroup(ref StateWriter writer, int keyGroup, Snapshot? snapshot)
    {
        using Iterator rows = GroupRows(keyGroup, snapshot);
        int count = 0;
        for (; rows.Valid(); rows.Next(), count++)
        {
            ReadOnlySpan<byte> row = rows.GetKeySpan();
            writer.WriteInt32(BinaryPrimitives.ReadInt32LittleEndian(rows.GetValueSpan()));
            writer.WriteRaw(row[(PrefixBytes + TimeBytes)..]);
            writer.WriteInt64(DecodeTime(row));
        }
        rows.ThrowIfFailed();
        return count;
    }

    /// <summary>Reads one restored timer (<c>int32 hash, key, int64 time</c>) and adds its row to <paramref name="batch"/>.</summary>
    /// <exception cref="StateFormatException">The entry is malformed or its hash belongs to another key group.</exception>
    public void RestoreEntry(WriteBatch batch, int keyGroup, ReadOnlySpan<byte> entries, ref StateReader reader)
    {
        int hash = reader.ReadInt32();
        if (DslFlow.KeyGroups.Assign(hash, MaxParallelism) != keyGroup)
        {
            throw reader.Malformed($"a timer's hash 0x{hash:x8} belongs to key group {DslFlow.KeyGroups.Assign(hash, MaxParallelism)}, not to the block's key group {keyGroup}");
        }
        int start = entries.Length - reader.Remaining;
        _ = _descriptor.KeySerializer.Read(ref reader) ?? throw reader.Malformed("a timer's key is null, which no writer saves");
        int end = entries.Length - reader.Remaining;
        long time = reader.ReadInt64();
        _row.Reset();
        var writer = new StateWriter(_row);
        KeyLayout.WritePrefix(ref writer, keyGroup, PrefixBytes);
        WriteTime(ref writer, time);
        writer.WriteRaw(entries[start..end]);
        byte[] value = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(value, hash);
        batch.Put(_row.WrittenSpan, value, Column);
        _indexed = false;
    }

    /// <summary>Rows are about to be written around the queue (a restore): its earliest times and count are read again.</summary>
    public void Invalidate() => _indexed = false;

    /// <summary>After a restore, on the task thread: reads every owned key group's earliest time and the number of timers.</summary>
    public void Reindex() => EnsureIndexed();

    /// <summary>Takes the column family of the database a native restore opened in place of the empty one.</summary>
    public void Rebind()
    {
        Column = _database.ColumnFamily(Name);
        _indexed = false;
    }

    private int OwnedGroup(int stableHash)
    {
        int keyGroup = DslFlow.KeyGroups.Assign(stableHash, MaxParallelism);
        return _range.Contains(keyGroup) ? keyGroup
            : throw new ArgumentOutOfRangeException(nameof(stableHash), stableHash, $"The key's group {keyGroup} is outside {_range}.");
    }

    private ReadOnlySpan<byte> Row(int keyGroup, long time, TKey key)
    {
        _row.Reset();
        var writer = new StateWriter(_row);
        KeyLayout.WritePrefix(ref writer, keyGroup, PrefixBytes);
        WriteTime(ref writer, time);
        _descriptor.KeySerializer.Write(ref writer, key);
        return _row.WrittenSpan;
    }

    private static void WriteTime(ref StateWriter writer, long time)
    {
        ulong sortable = (ulong)time ^ 0x8000_0000_0000_0000UL; // negative times sort before positive ones
        for (int shift = 56; shift >= 0; shift -= 8)
        {
            writer.WriteByte((byte)(sortable >> shift));
        }
    }

    private long DecodeTime(ReadOnlySpan<byte> row) =>
        (long)(BinaryPrimitives.ReadUInt64BigEndian(row.Slice(PrefixBytes, TimeBytes)) ^ 0x8000_0000_0000_0000UL);

    private bool Exists(ReadOnlySpan<byte> row)
    {
        _finder.Found = false;
        _database.Db.Get(row, _finder, Column, null!);
        return _finder.Found;
    }

    /// <summary>The group's rows in order, from its seek hint (live rows only start there) unless reading a snapshot.</summary>
    private Iterator GroupRows(int keyGroup, Snapshot? snapshot)
    {
        byte[] lower = KeyLayout.Prefix(keyGroup, PrefixBytes);
        var options = new ReadOptions();
        options.SetIterateLowerBound(lower).SetIterateUpperBound(KeyLayout.UpperBound(keyGroup, PrefixBytes));
        if (snapshot is not null)
        {
            options.SetSnapshot(snapshot);
        }
        Iterator rows = _database.Db.NewIterator(Column, options);
        rows.Seek(snapshot is null ? _hints[keyGroup - _range.Start] ?? lower : lower);
        return rows;
    }

    /// <summary>The group's earliest live row and its time, or nulls when the group has none.</summary>
    private (long? Time, byte[]? Row) ReadFirst(int keyGroup)
    {
        using Iterator rows = GroupRows(keyGroup, snapshot: null);
        (long?, byte[]?) first = rows.Valid() ? (DecodeTime(rows.GetKeySpan()), rows.GetKeySpan().ToArray()) : (null, null);
        rows.ThrowIfFailed();
        return first;
    }

    private void SetHead(int keyGroup, long? time)
    {
        _heads[keyGroup - _range.Start] = time;
        if (time is { } t)
        {
            _groups.Enqueue(keyGroup, t);
            if (_groups.Count > 2 * _heads.Length + 64)
            {
                RebuildGroups(); // entries for heads that moved pile up between firings
            }
        }
    }

    private bool PeekEarliest(out int keyGroup, out long time)
    {
        while (_groups.TryPeek(out keyGroup, out time))
        {
            if (_heads[keyGroup - _range.Start] == time)
            {
                return true;
            }
            _groups.Dequeue();
        }
        return false;
    }

    private void RebuildGroups()
    {
        _groups.Clear();
        for (int i = 0; i < _heads.Length; i++)
        {
            if (_heads[i] is { } time)
            {
                _groups.Enqueue(_range.Start + i, time);
            }
        }
    }

    /// <summary>Reads every owned key group's earliest time and the number of timers (after a restore).</summary>
    private void EnsureIndexed()
    {
        if (_indexed)
        {
            return;
        }
        Array.Clear(_hints); // restored rows may sort anywhere
        int count = 0;
        try
        {
            for (int group = _range.Start; group <= _range.End; group++)
            {
                using Iterator rows = GroupRows(group, snapshot: null);
                _heads[group - _range.Start] = rows.Valid() ? DecodeTime(rows.GetKeySpan()) : null;
                for (; rows.Valid(); rows.Next())
                {
                    count++;
                }
                rows.ThrowIfFailed();
            }
        }
        catch (RocksDbException ex)
        {
            throw Failed("read the restored timers of", ex);
        }
        Volatile.Write(ref _count, count);
        RebuildGroups();
        _indexed = true;
    }

    private TaskStateException Failed(string what, Exception ex) =>
        new($"RocksDB could not {what} timers '{Name}' of {_database.Owner} ({ex.Message})", ex);

    /// <summary>Notes whether a get found its row, without reading the value.</summary>
    private sealed class RowFinder : ISpanDeserializer<bool>
    {
        public bool Found { get; set; }

        public bool Deserialize(ReadOnlySpan<byte> buffer) => Found = true;
    }
}

/// <summary>A RocksDB timer queue without its type parameter: a state to snapshots and restores, re-indexed after them.</summary>
internal interface IRocksDbTimerQueue : IRocksDbState
{
    /// <summary>Reads the restored rows' earliest times and count (task thread).</summary>
    void Reindex();
}
