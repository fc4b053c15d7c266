using DslFlow.Serialization;

namespace DslFlow.StateBackends.RocksDb.States;

/// <summary>
/// Flink's RocksDB key layout (<c>RocksDBSerializedCompositeKeyBuilder</c>): a big-endian key-group prefix of 1 byte
/// when the job has at most 128 key groups, else 2, so the keys of a key-group range form one contiguous byte range.
/// </summary>
internal static class KeyLayout
{
    public static int PrefixBytes(int maxParallelism) => maxParallelism <= 128 ? 1 : 2;

    public static void WritePrefix(ref StateWriter writer, int keyGroup, int prefixBytes)
    {
        if (prefixBytes == 2)
        {
            writer.WriteByte((byte)(keyGroup >> 8));
        }
        writer.WriteByte((byte)keyGroup);
    }

    public static byte[] Prefix(int keyGroup, int prefixBytes) =>
        prefixBytes == 1 ? [(byte)keyGroup] : [(byte)(keyGroup >> 8), (byte)keyGroup];

    /// <summary>The first key after every key of <paramref name="keyGroup"/>.</summary>
    public static byte[] UpperBound(int keyGroup, int prefixBytes) => Prefix(keyGroup + 1, prefixBytes);

    public static int KeyGroupOf(ReadOnlySpan<byte> key, int prefixBytes) => prefixBytes == 1 ? key[0] : (key[0] << 8) | key[1];

    /// <summary>The first key after every key that starts with <paramref name="prefix"/> (null when there is none).</summary>
    public static byte[]? Successor(ReadOnlySpan<byte> prefix)
    {
        byte[] bound = prefix.ToArray();
        for (int i = bound.Length - 1; i >= 0; i--)
        {
            if (bound[i] != 0xFF)
            {
                bound[i]++;
                return bound[..(i + 1)];
            }
        }
        return null;
    }
}
