using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb.States;

/// <summary>
/// A <see cref="MapState{TKey, TValue}"/>: one row per map entry, keyed <c>prefix | key | map key</c> (Flink's layout),
/// so a put or remove touches one row and a clear is one range delete. Making a key current reads its entries with a
/// bounded iterator over the key's prefix.
/// </summary>
internal sealed class RocksDbMapState<TKey, TMapKey, TValue>(RocksDbSubtaskDatabase database,
    KeyedStateDescriptor<TKey, MapCell<TMapKey, TValue>> descriptor, KeyGroupRange range, int maxParallelism)
    : RocksDbState<TKey, MapCell<TMapKey, TValue>>(database, descriptor, range, maxParallelism), IMapChangeLog<TMapKey, TValue>
    where TKey : notnull
    where TMapKey : notnull
{
    private readonly MapCellSerializer<TMapKey, TValue> _cells = (MapCellSerializer<TMapKey, TValue>)descriptor.ValueSerializer;
    private readonly StateBuffer _mapKey = new(64);

    private protected override void Load()
    {
        var cell = new MapCell<TMapKey, TValue>();
        byte[] lower = CurrentKeyBytes.ToArray();
        var options = new ReadOptions();
        options.SetIterateLowerBound(lower);
        if (KeyLayout.Successor(lower) is { } upper)
        {
            options.SetIterateUpperBound(upper);
        }
        using Iterator iterator = Database.Db.NewIterator(Column, options);
        for (iterator.Seek(lower); iterator.Valid(); iterator.Next())
        {
            var keys = new StateReader(iterator.GetKeySpan()[lower.Length..]);
            TMapKey mapKey = _cells.KeySerializer.Read(ref keys);
            var values = new StateReader(iterator.GetValueSpan()[4..]);
            cell.Entries[mapKey] = _cells.ValueSerializer.Read(ref values);
        }
        iterator.ThrowIfFailed();
        Values[0] = cell;
        HasValue[0] = true;
    }

    public void Put(int slot, TMapKey key, TValue value) => Put(_cells.ValueSerializer, value, MapKey(key));

    public void Remove(int slot, TMapKey key) => Delete(MapKey(key));

    public void Clear(int slot)
    {
        byte[] lower = CurrentKeyBytes.ToArray();
        byte[] upper = KeyLayout.Successor(lower) ?? throw new InvalidOperationException("A key prefix is all 0xFF bytes.");
        try
        {
            using var batch = new WriteBatch();
            batch.DeleteRange(lower, (ulong)lower.Length, upper, (ulong)upper.Length, Column);
            Database.Db.Write(batch, Database.WriteOptions);
        }
        catch (RocksDbException ex)
        {
            throw WriteFailed(ex);
        }
    }

    /// <summary>The serialized map key, in a reused buffer; a refused key forgets the loaded cell (it changed already).</summary>
    private ReadOnlySpan<byte> MapKey(TMapKey key)
    {
        _mapKey.Reset();
        var writer = new StateWriter(_mapKey);
        try
        {
            _cells.KeySerializer.Write(ref writer, key);
        }
        catch
        {
            Invalidate();
            throw;
        }
        return _mapKey.WrittenSpan;
    }

    private protected override void RestoreValue(WriteBatch batch, ReadOnlySpan<byte> entries, ref StateReader reader)
    {
        MapCell<TMapKey, TValue> cell = _cells.Read(ref reader);
        using var value = new StateBuffer(64);
        foreach (KeyValuePair<TMapKey, TValue> entry in cell.Entries)
        {
            value.Reset();
            var writer = new StateWriter(value);
            _cells.ValueSerializer.Write(ref writer, entry.Value);
            PutRow(batch, MapKey(entry.Key), value.WrittenSpan);
        }
    }

    /// <summary>A key's rows are adjacent (its map keys follow it): each run of rows becomes one cell's entry.</summary>
    private protected override int WriteEntries(ref StateWriter writer, Iterator rows)
    {
        int count = 0;
        byte[]? key = null; // the current key's RocksDB key: group prefix and serialized key
        int hash = 0;
        var cell = new MapCell<TMapKey, TValue>();
        for (; rows.Valid(); rows.Next())
        {
            ReadOnlySpan<byte> row = rows.GetKeySpan();
            ReadOnlySpan<byte> value = rows.GetValueSpan();
            if (key is null || !row.StartsWith(key))
            {
                if (key is not null)
                {
                    WriteCell(ref writer, key, hash, cell);
                    count++;
                }
                var keyReader = new StateReader(row[PrefixBytes..]);
                Descriptor.KeySerializer.Read(ref keyReader);
                key = row[..(row.Length - keyReader.Remaining)].ToArray();
                hash = BitConverter.ToInt32(value);
            }
            var mapKey = new StateReader(row[key.Length..]);
            var mapValue = new StateReader(value[4..]);
            cell.Entries[_cells.KeySerializer.Read(ref mapKey)] = _cells.ValueSerializer.Read(ref mapValue);
        }
        if (key is not null)
        {
            WriteCell(ref writer, key, hash, cell);
            count++;
        }
        return count;
    }

    private void WriteCell(ref StateWriter writer, byte[] key, int hash, MapCell<TMapKey, TValue> cell)
    {
        writer.WriteInt32(hash);
        writer.WriteRaw(key.AsSpan(PrefixBytes));
        _cells.Write(ref writer, cell);
        cell.Entries.Clear();
    }
}
