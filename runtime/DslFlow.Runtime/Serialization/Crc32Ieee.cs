namespace DslFlow.Serialization;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320: the CRC of zip, gzip and PNG), table-driven, eight bytes
/// per step ("slicing by 8"). Checks <see cref="StateBlob"/> payloads.
/// </summary>
internal static class Crc32Ieee
{
    private const uint Polynomial = 0xEDB88320;
    private static readonly uint[] Table = CreateTable();

    /// <summary>The CRC of <paramref name="data"/>; "123456789" gives 0xCBF43926.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        uint[] t = Table;
        while (data.Length >= 8)
        {
            uint low = crc ^ (uint)(data[0] | data[1] << 8 | data[2] << 16 | data[3] << 24);
            crc = t[0x700 + (low & 0xFF)] ^ t[0x600 + ((low >> 8) & 0xFF)] ^ t[0x500 + ((low >> 16) & 0xFF)]
                ^ t[0x400 + (low >> 24)] ^ t[0x300 + data[4]] ^ t[0x200 + data[5]] ^ t[0x100 + data[6]] ^ t[data[7]];
            data = data[8..];
        }
        foreach (byte b in data)
        {
            crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

    /// <summary>The byte-at-a-time reference the sliced path is tested against.</summary>
    internal static uint ComputeBytewise(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

    private static uint[] CreateTable()
    {
        // Row 0 is the classic table; row k advances a byte's CRC through k further zero bytes.
        var table = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        for (int i = 0; i < 256; i++)
        {
            for (int row = 1; row < 8; row++)
            {
                uint previous = table[((row - 1) * 256) + i];
                table[(row * 256) + i] = table[previous & 0xFF] ^ (previous >> 8);
            }
        }
        return table;
    }
}
