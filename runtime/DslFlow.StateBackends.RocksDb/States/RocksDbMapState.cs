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
            throw Failed("write", ex);
        }
    }

    private ReadOnlySpan<byte> MapKey(TMapKey key)
    {
        _mapKey.Reset();
        var writer = new StateWriter(_mapKey);
        _cells.KeySerializer.Write(ref writer, key);
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

    public override int WriteSnapshotEntry(ref StateWriter writer, IReadOnlyList<(byte[] Key, int Hash, byte[] Value)> rows, int from)
    {
        (byte[] first, int hash, _) = rows[from];
        var keyReader = new StateReader(first.AsSpan(PrefixBytes));
        Descriptor.KeySerializer.Read(ref keyReader);
        int keyEnd = first.Length - keyReader.Remaining;
        var cell = new MapCell<TMapKey, TValue>();
        int taken = 0;
        for (int i = from; i < rows.Count && rows[i].Key.AsSpan().StartsWith(first.AsSpan(0, keyEnd)); i++, taken++)
        {
            var mapKey = new StateReader(rows[i].Key.AsSpan(keyEnd));
            var value = new StateReader(rows[i].Value);
            cell.Entries[_cells.KeySerializer.Read(ref mapKey)] = _cells.ValueSerializer.Read(ref value);
        }
        writer.WriteInt32(hash);
        writer.WriteRaw(first.AsSpan(PrefixBytes, keyEnd - PrefixBytes));
        _cells.Write(ref writer, cell);
        return taken;
    }
}
