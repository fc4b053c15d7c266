using DslFlow.Serialization;

namespace DslFlow.State;

/// <summary>
/// Snapshot format of one value state of one subtask: per key group that holds values, <c>varint keyGroup,
/// varint count</c>, then <c>count × (int32 stableHash, key, value)</c>, in increasing key-group order. Groups are
/// the unit of redistribution: a restoring subtask reads the snapshots of every old subtask and keeps the groups it
/// now owns. The hash is stored so restore needs no hash function.
/// </summary>
public sealed partial class KeyedValueTable<TKey, T>
{
    /// <summary>Writes the keys that hold a value, by key group (the synchronous part of a snapshot: a copy).</summary>
    public void WriteSnapshot(StateBuffer buffer, ISerializer<TKey> keySerializer, ISerializer<T> valueSerializer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(keySerializer);
        ArgumentNullException.ThrowIfNull(valueSerializer);
        var byGroup = new SortedDictionary<int, List<int>>();
        for (int slot = 0; slot < _groups.Length; slot++)
        {
            if (_groups[slot] != 0 && HasValue[slot])
            {
                int group = _groups[slot] - 1;
                if (!byGroup.TryGetValue(group, out List<int>? slots))
                {
                    byGroup.Add(group, slots = []);
                }
                slots.Add(slot);
            }
        }
        var writer = new StateWriter(buffer);
        writer.WriteVarUInt32((uint)byGroup.Count);
        foreach ((int group, List<int> slots) in byGroup)
        {
            writer.WriteVarUInt32((uint)group);
            writer.WriteVarUInt32((uint)slots.Count);
            foreach (int slot in slots)
            {
                writer.WriteInt32(_hashes[slot]);
                keySerializer.Write(ref writer, _keys[slot]);
                valueSerializer.Write(ref writer, Values[slot]);
            }
        }
    }

    /// <summary>
    /// Adds the entries of a snapshot whose key group this table owns and skips the others (rescaling reads every old
    /// subtask's snapshot). Returns the number of entries restored. Malformed input throws <see cref="StateFormatException"/>.
    /// </summary>
    public int RestoreSnapshot(ReadOnlySpan<byte> snapshot, ISerializer<TKey> keySerializer, ISerializer<T> valueSerializer)
    {
        ArgumentNullException.ThrowIfNull(keySerializer);
        ArgumentNullException.ThrowIfNull(valueSerializer);
        var reader = new StateReader(snapshot);
        int restored = 0;
        uint groups = reader.ReadVarUInt32();
        for (uint g = 0; g < groups; g++)
        {
            int group = (int)reader.ReadVarUInt32();
            uint count = reader.ReadVarUInt32();
            bool owned = Range.Contains(group);
            for (uint e = 0; e < count; e++)
            {
                int hash = reader.ReadInt32();
                TKey key = keySerializer.Read(ref reader);
                T value = valueSerializer.Read(ref reader);
                if (owned)
                {
                    int slot = Slot(key, hash, group);
                    Values[slot] = value;
                    HasValue[slot] = true;
                    restored++;
                }
            }
        }
        reader.ExpectEnd();
        return restored;
    }
}
