using System.Runtime.CompilerServices;

namespace DslFlow;

/// <summary>
/// Hashes that are identical in every process and on every machine (Murmur3 finalizers over the key's
/// value or UTF-16 code units), used to route keys to key groups. Never use <c>string.GetHashCode</c>,
/// <c>HashCode.Combine</c> or tuple hashes for routing: they are randomized per process, so restored state
/// would land on the wrong subtask.
/// </summary>
public static class StableHash
{
    private const uint C1 = 0xcc9e2d51;
    private const uint C2 = 0x1b873593;

    /// <summary>Hash of a 32-bit integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(int value) => (int)Finalize(MixBlock(0, (uint)value), 4);

    /// <summary>Hash of an unsigned 32-bit integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(uint value) => Of((int)value);

    /// <summary>Hash of a 64-bit integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(long value)
    {
        uint h = MixBlock(0, (uint)value);
        h = MixBlock(h, (uint)((ulong)value >> 32));
        return (int)Finalize(h, 8);
    }

    /// <summary>Hash of an unsigned 64-bit integer.</summary>
    public static int Of(ulong value) => Of((long)value);

    /// <summary>Hash of a 16-bit integer.</summary>
    public static int Of(short value) => Of((int)value);

    /// <summary>Hash of an unsigned 16-bit integer.</summary>
    public static int Of(ushort value) => Of((int)value);

    /// <summary>Hash of a byte.</summary>
    public static int Of(byte value) => Of((int)value);

    /// <summary>Hash of a signed byte.</summary>
    public static int Of(sbyte value) => Of((int)value);

    /// <summary>Hash of a character.</summary>
    public static int Of(char value) => Of((int)value);

    /// <summary>Hash of a boolean.</summary>
    public static int Of(bool value) => Of(value ? 1 : 0);

    /// <summary>Hash of a GUID, over its 16 bytes in their standard little-endian layout.</summary>
    public static int Of(Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes);
        uint h = 0;
        for (int i = 0; i < 16; i += 4)
        {
            h = MixBlock(h, (uint)(bytes[i] | bytes[i + 1] << 8 | bytes[i + 2] << 16 | bytes[i + 3] << 24));
        }
        return (int)Finalize(h, 16);
    }

    /// <summary>Hash of a date and time (its ticks and kind).</summary>
    public static int Of(DateTime value) => Of(value.ToBinary());

    /// <summary>Hash of a string over its UTF-16 code units; <c>null</c> hashes like the empty string plus one.</summary>
    public static int Of(string? value)
    {
        if (value is null)
        {
            return Of(-1);
        }
        uint h = 0;
        int i = 0;
        for (; i + 1 < value.Length; i += 2)
        {
            h = MixBlock(h, value[i] | (uint)value[i + 1] << 16);
        }
        if (i < value.Length)
        {
            h = MixBlock(h, value[i]);
        }
        return (int)Finalize(h, (uint)value.Length * 2);
    }

    /// <summary>Hash of a key type that defines its own stable hash.</summary>
    public static int OfKey<T>(T value)
        where T : IStableKey => value.GetStableHashCode();

    /// <summary>Combines the hashes of a composite key's parts, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Combine(int first, int second) => (int)Finalize(MixBlock(MixBlock(0, (uint)first), (uint)second), 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint MixBlock(uint h, uint k)
    {
        k *= C1;
        k = uint.RotateLeft(k, 15);
        k *= C2;
        h ^= k;
        h = uint.RotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finalize(uint h, uint length)
    {
        h ^= length;
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }
}

/// <summary>
/// Implemented by key types that are not primitives, strings, GUIDs, enums or tuples of those, to give
/// the runtime a hash that is the same in every process (see <see cref="StableHash"/>).
/// </summary>
public interface IStableKey
{
    /// <summary>A hash that depends only on the key's value, never on the process.</summary>
    int GetStableHashCode();
}
