using DslFlow.State.Backends;
using DslFlow.Serialization;

namespace DslFlow.State.Heap;

public sealed partial class HeapKeyedState<TKey, TValue>
{
    /// <summary>
    /// Adds the entries of one key-group block of a snapshot (<see cref="Backends.KeyGroupBlock"/>) and returns how many.
    /// Malformed input — too few or too many entries, a null key, a hash that does not belong to the block's key group —
    /// throws <see cref="StateFormatException"/>.
    /// </summary>
    internal int RestoreBlock(int keyGroup, int count, ReadOnlySpan<byte> entries, int maxParallelism)
    {
        if (!Range.Contains(keyGroup))
        {
            throw new ArgumentOutOfRangeException(nameof(keyGroup), keyGroup, $"Key group is outside {Range}.");
        }
        KeyedStateDescriptor<TKey, TValue> descriptor = _descriptor;
        var reader = new StateReader(entries);
        for (int e = 0; e < count; e++)
        {
            int hash = reader.ReadInt32();
            if (KeyGroups.Assign(hash, maxParallelism) != keyGroup)
            {
                throw reader.Malformed($"an entry's hash 0x{hash:x8} belongs to key group {KeyGroups.Assign(hash, maxParallelism)}, not to the block's key group {keyGroup}");
            }
            TKey key = descriptor.KeySerializer.Read(ref reader) ?? throw reader.Malformed("a key is null, which no writer saves");
            TValue value = descriptor.ValueSerializer.Read(ref reader);
            int slot = Slot(key, hash, keyGroup);
            Values[slot] = value;
            HasValue[slot] = true;
        }
        reader.ExpectEnd();
        return count;
    }
}
