using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb.States;

/// <summary>
/// One keyed state in its column family, as generated code sees it (<see cref="KeyedState{TKey, TValue}"/>): a single
/// slot holding the current key's value, loaded from RocksDB by <see cref="Slot"/> and written through by the facades'
/// write hooks (the state is its own <c>ChangeLog</c>), so RocksDB always holds every write and a snapshot needs no
/// write-back. Keys are laid out as Flink lays them out: the key group big-endian in 1 byte (at most 128 key groups) or
/// 2, then the serialized key (then, for map state, the map key), so a key-group range is one contiguous byte range.
/// Values start with the key's 32-bit stable hash (snapshots write it beside every key), then the serialized value.
/// A value changed in place without a write (a list inside a <c>ValueState</c>) is not stored — as with Flink's RocksDB
/// backend, write it back. Task thread only.
/// </summary>
internal abstract class RocksDbState<TKey, TValue> : KeyedState<TKey, TValue>, IRocksDbState
    where TKey : notnull
{
    private readonly StateBuffer _key = new(64);
    private readonly StateBuffer _value = new(256);
    private byte[] _loadedKey = new byte[64];
    private int _loadedLength = -1;
    private TKey _currentKey = default!;
    private int _currentHash;
    private int _currentGroup;

    private protected RocksDbState(RocksDbSubtaskDatabase database, KeyedStateDescriptor<TKey, TValue> descriptor, KeyGroupRange range,
        int maxParallelism)
        : base(descriptor.Name, range, capacity: 1)
    {
        Database = database;
        Descriptor = descriptor;
        PrefixBytes = KeyLayout.PrefixBytes(maxParallelism);
        MaxParallelism = maxParallelism;
        Column = database.ColumnFamily(descriptor.Name);
        ChangeLog = this;
    }

    public string Name => StateName;

    public string DescriptorText => Descriptor.Description;

    public ColumnFamilyHandle Column { get; private set; }

    public int PrefixBytes { get; }

    public int MaxParallelism { get; }

    private protected RocksDbSubtaskDatabase Database { get; }

    private protected KeyedStateDescriptor<TKey, TValue> Descriptor { get; }

    /// <summary>The current key's encoded RocksDB key: key-group prefix and serialized key.</summary>
    private protected ReadOnlySpan<byte> CurrentKeyBytes => _key.WrittenSpan;

    /// <inheritdoc/>
    public override int Slot(TKey key, int stableHash, int keyGroup)
    {
        if (!Range.Contains(keyGroup))
        {
            throw WrongKeyGroup(key, keyGroup);
        }
        _currentKey = key;
        _currentHash = stableHash;
        _currentGroup = keyGroup;
        _key.Reset();
        var writer = new StateWriter(_key);
        KeyLayout.WritePrefix(ref writer, keyGroup, PrefixBytes);
        Descriptor.KeySerializer.Write(ref writer, key);
        ReadOnlySpan<byte> encoded = _key.WrittenSpan;
        if (_loadedLength >= 0 && encoded.SequenceEqual(_loadedKey.AsSpan(0, _loadedLength)))
        {
            return 0; // the same key again: slot 0 holds its value, and every write went through to RocksDB
        }
        _loadedLength = -1;
        try
        {
            Load();
        }
        catch (RocksDbException ex)
        {
            throw Failed("read", ex);
        }
        if (_loadedKey.Length < encoded.Length)
        {
            _loadedKey = new byte[encoded.Length * 2];
        }
        encoded.CopyTo(_loadedKey);
        _loadedLength = encoded.Length;
        return 0;
    }

    internal override (TKey Key, int StableHash, int KeyGroup) KeyOf(int slot) => (_currentKey, _currentHash, _currentGroup);

    /// <summary>Slot 0 holds whichever key is current: a change log above this state must log each write at once.</summary>
    internal override bool SlotsOutliveTheCurrentKey => false;

    /// <inheritdoc/>
    public override int Count
    {
        get
        {
            int count = 0;
            foreach (int group in Enumerable.Range(Range.Start, Range.End - Range.Start + 1))
            {
                count += EntriesOf(group).Count();
            }
            return count;
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<KeyValuePair<TKey, TValue>> EntriesOf(int keyGroup)
    {
        if (!Range.Contains(keyGroup))
        {
            throw new ArgumentOutOfRangeException(nameof(keyGroup), keyGroup, $"Key group is outside {Range}.");
        }
        var entries = new List<KeyValuePair<TKey, TValue>>();
        using var buffer = new StateBuffer(256);
        var writer = new StateWriter(buffer);
        int count = WriteGroup(ref writer, keyGroup, snapshot: null); // the snapshot format: int32 hash, key, value
        var reader = new StateReader(buffer.WrittenSpan);
        for (int i = 0; i < count; i++)
        {
            reader.ReadInt32();
            TKey key = Descriptor.KeySerializer.Read(ref reader);
            entries.Add(new(key, Descriptor.ValueSerializer.Read(ref reader)));
        }
        return entries;
    }

    /// <summary>Forgets the loaded key: rows were written around the slot (a restore).</summary>
    public void Invalidate() => _loadedLength = -1;

    /// <summary>Takes the column family of the database a native restore opened in place of the empty one.</summary>
    public void Rebind()
    {
        Column = Database.ColumnFamily(Descriptor.Name);
        Invalidate();
    }

    /// <summary>Loads the current key's value into slot 0.</summary>
    private protected abstract void Load();

    /// <summary>Puts the current key (plus <paramref name="suffix"/>) with the current hash and <paramref name="value"/>'s bytes.</summary>
    private protected void Put<T>(ISerializer<T> serializer, T value, ReadOnlySpan<byte> suffix = default)
    {
        _value.Reset();
        var writer = new StateWriter(_value);
        writer.WriteInt32(_currentHash);
        try
        {
            serializer.Write(ref writer, value);
        }
        catch
        {
            Invalidate(); // the serializer refused the value: nothing was stored, so the loaded one is stale
            throw;
        }
        try
        {
            if (suffix.IsEmpty)
            {
                Database.Db.Put(CurrentKeyBytes, _value.WrittenSpan, Column, Database.WriteOptions);
            }
            else
            {
                byte[] key = [.. CurrentKeyBytes, .. suffix];
                Database.Db.Put(key, _value.WrittenSpan, Column, Database.WriteOptions);
            }
        }
        catch (RocksDbException ex)
        {
            throw WriteFailed(ex);
        }
    }

    /// <summary>Deletes the current key (plus <paramref name="suffix"/>).</summary>
    private protected void Delete(ReadOnlySpan<byte> suffix = default)
    {
        try
        {
            Database.Db.Remove(suffix.IsEmpty ? CurrentKeyBytes : [.. CurrentKeyBytes, .. suffix], Column, Database.WriteOptions);
        }
        catch (RocksDbException ex)
        {
            throw WriteFailed(ex);
        }
    }

    /// <summary>
    /// A write RocksDB refused: the facade changed the loaded value before writing it through, so the loaded key is
    /// forgotten and reloaded on its next access — code that catches the error sees what RocksDB holds.
    /// </summary>
    private protected TaskStateException WriteFailed(Exception ex)
    {
        Invalidate();
        return Failed("write", ex);
    }

    /// <summary>The message for a RocksDB failure on the task thread: RocksDB's own, with the state's name.</summary>
    private protected TaskStateException Failed(string what, Exception ex) =>
        new($"RocksDB could not {what} keyed state '{StateName}' of {Database.Owner} ({ex.Message})", ex);

    /// <summary>
    /// Appends the snapshot entries of <paramref name="keyGroup"/> (<c>int32 hash, key, value</c> each, the one snapshot
    /// format) to <paramref name="writer"/>, read with a bounded iterator (as of <paramref name="snapshot"/> when given)
    /// straight from RocksDB's buffers; returns how many entries it wrote.
    /// </summary>
    public int WriteGroup(ref StateWriter writer, int keyGroup, Snapshot? snapshot)
    {
        byte[] lower = KeyLayout.Prefix(keyGroup, PrefixBytes);
        var options = new ReadOptions();
        options.SetIterateLowerBound(lower).SetIterateUpperBound(KeyLayout.UpperBound(keyGroup, PrefixBytes));
        if (snapshot is not null)
        {
            options.SetSnapshot(snapshot);
        }
        using Iterator iterator = Database.Db.NewIterator(Column, options);
        iterator.Seek(lower);
        int count = WriteEntries(ref writer, iterator);
        iterator.ThrowIfFailed();
        return count;
    }

    /// <summary>
    /// Writes one snapshot entry per key from the iterator's rows, to its end: for value and list state a row holds the
    /// value in its snapshot encoding already, after the hash.
    /// </summary>
    private protected virtual int WriteEntries(ref StateWriter writer, Iterator rows)
    {
        int count = 0;
        for (; rows.Valid(); rows.Next(), count++)
        {
            ReadOnlySpan<byte> value = rows.GetValueSpan();
            writer.WriteInt32(BitConverter.ToInt32(value));
            writer.WriteRaw(rows.GetKeySpan()[PrefixBytes..]);
            writer.WriteRaw(value[4..]);
        }
        return count;
    }

    /// <summary>
    /// Reads one entry of a restored key-group block from <paramref name="reader"/> (over <paramref name="entries"/>) —
    /// <c>int32 hash, key, value</c> — and adds its rows to <paramref name="batch"/>.
    /// </summary>
    /// <exception cref="StateFormatException">The entry is malformed or its hash belongs to another key group.</exception>
    public void RestoreEntry(WriteBatch batch, int keyGroup, ReadOnlySpan<byte> entries, ref StateReader reader)
    {
        int hash = reader.ReadInt32();
        if (DslFlow.KeyGroups.Assign(hash, MaxParallelism) != keyGroup)
        {
            throw reader.Malformed($"an entry's hash 0x{hash:x8} belongs to key group {DslFlow.KeyGroups.Assign(hash, MaxParallelism)}, not to the block's key group {keyGroup}");
        }
        int start = entries.Length - reader.Remaining;
        _ = Descriptor.KeySerializer.Read(ref reader) ?? throw reader.Malformed("a key is null, which no writer saves");
        int end = entries.Length - reader.Remaining;
        _key.Reset();
        var writer = new StateWriter(_key);
        KeyLayout.WritePrefix(ref writer, keyGroup, PrefixBytes);
        writer.WriteRaw(entries[start..end]);
        _currentHash = hash;
        RestoreValue(batch, entries, ref reader);
    }

    /// <summary>Reads the value of a restored entry whose key is current and adds its rows to <paramref name="batch"/>.</summary>
    private protected abstract void RestoreValue(WriteBatch batch, ReadOnlySpan<byte> entries, ref StateReader reader);

    /// <summary>Adds a row for the current key (plus <paramref name="suffix"/>) holding the current hash and <paramref name="valueBytes"/>.</summary>
    private protected void PutRow(WriteBatch batch, ReadOnlySpan<byte> suffix, ReadOnlySpan<byte> valueBytes)
    {
        byte[] value = new byte[4 + valueBytes.Length];
        BitConverter.TryWriteBytes(value, _currentHash);
        valueBytes.CopyTo(value.AsSpan(4));
        byte[] key = [.. CurrentKeyBytes, .. suffix];
        batch.Put(key, value, Column);
    }
}

/// <summary>A RocksDB state without its type parameters: what the backend's snapshots and restores need.</summary>
internal interface IRocksDbState
{
    string Name { get; }

    string DescriptorText { get; }

    int PrefixBytes { get; }

    int MaxParallelism { get; }

    int WriteGroup(ref StateWriter writer, int keyGroup, Snapshot? snapshot);

    void RestoreEntry(WriteBatch batch, int keyGroup, ReadOnlySpan<byte> entries, ref StateReader reader);

    void Invalidate();

    void Rebind();

    ColumnFamilyHandle Column { get; }
}
