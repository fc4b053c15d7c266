using System.Buffers.Binary;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DslFlow.Hashing;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every checkpoint file.
/// </summary>
/// <remarks>
/// Why CRC-32C: it is the checksum of iSCSI, ext4, Btrfs and RocksDB's block format, it detects every burst error up
/// to 32 bits (a torn or flipped run of bytes), and x64 (SSE4.2) and ARM64 compute it in hardware, so checksumming
/// a large snapshot costs little next to writing it. <c>System.IO.Hashing</c> is not referenced, hence this small
/// implementation: hardware instructions where available, a table otherwise (both tested against each other).
/// </remarks>
internal static class Crc32C
{
    private const uint Polynomial = 0x82F63B78;
    private static readonly uint[] Table = CreateTable();

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    /// <summary>The running value to start with.</summary>
    public const uint Start = 0xFFFFFFFF;

    /// <summary>The CRC of everything appended to a running value.</summary>
    public static uint Finish(uint running) => ~running;

    /// <summary>Appends <paramref name="data"/> to a running value (start with <see cref="Start"/>).</summary>
    public static uint Append(uint running, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
        {
            ulong crc = running;
            while (data.Length >= 8)
            {
                crc = Sse42.X64.Crc32(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            running = (uint)crc;
            foreach (byte b in data)
            {
                running = Sse42.Crc32(running, b);
            }
            return running;
        }
        if (Crc32.Arm64.IsSupported)
        {
            while (data.Length >= 8)
            {
                running = Crc32.Arm64.ComputeCrc32C(running, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            foreach (byte b in data)
            {
                running = Crc32.ComputeCrc32C(running, b);
            }
            return running;
        }
        return AppendSoftware(running, data);
    }

    /// <summary>The table-driven path, reachable by the tests so both paths are checked against each other.</summary>
    internal static uint AppendSoftware(uint running, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            running = Table[(running ^ b) & 0xFF] ^ (running >> 8);
        }
        return running;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        return table;
    }
}
