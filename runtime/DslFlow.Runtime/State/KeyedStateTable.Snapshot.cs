using DslFlow.Serialization;

namespace DslFlow.State;

/// <summary>
/// Snapshot format of one list or map state of one subtask: per key group with non-empty cells, <c>varint keyGroup,
/// varint count</c>, then <c>count × (key, cell)</c>, in increasing key-group order (see <see cref="KeyedValueTable{TKey, T}"/>).
/// </summary>
public sealed partial class KeyedStateTable<TKey, TCell>
{
    /// <summary>Writes the non-empty cells, by key group.</summary>
    public void WriteSnapshot(StateBuffer buffer, ISerializer<TKey> keySerializer, ISerializer<TCell> cellSerializer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(keySerializer);
        ArgumentNullException.ThrowIfNull(cellSerializer);
        var writer = new StateWriter(buffer);
        var groups = Enumerable.Range(Range.Start, Range.Count)
            .Select(g => (Group: g, Entries: EntriesOf(g).ToList()))
            .Where(g => g.Entries.Count > 0)
            .ToList();
        writer.WriteVarUInt32((uint)groups.Count);
        foreach ((int group, List<KeyValuePair<TKey, TCell>> entries) in groups)
        {
            writer.WriteVarUInt32((uint)group);
            writer.WriteVarUInt32((uint)entries.Count);
            foreach ((TKey key, TCell cell) in entries)
            {
                keySerializer.Write(ref writer, key);
                cellSerializer.Write(ref writer, cell);
            }
        }
    }

    /// <summary>Adds the cells of a snapshot whose key group this table owns; returns how many. Skips other groups.</summary>
    public int RestoreSnapshot(ReadOnlySpan<byte> snapshot, ISerializer<TKey> keySerializer, ISerializer<TCell> cellSerializer)
    {
        ArgumentNullException.ThrowIfNull(keySerializer);
        ArgumentNullException.ThrowIfNull(cellSerializer);
        var reader = new StateReader(snapshot);
        int restored = 0;
        uint groups = reader.ReadVarUInt32();
        for (uint g = 0; g < groups; g++)
        {
            int group = (int)reader.ReadVarUInt32();
            uint count = reader.ReadVarUInt32();
            for (uint e = 0; e < count; e++)
            {
                TKey key = keySerializer.Read(ref reader);
                TCell cell = cellSerializer.Read(ref reader);
                if (Range.Contains(group))
                {
                    _groups[group - Range.Start][key] = cell;
                    restored++;
                }
            }
        }
        reader.ExpectEnd();
        return restored;
    }
}
