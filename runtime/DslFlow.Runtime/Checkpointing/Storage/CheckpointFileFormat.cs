using System.Buffers.Binary;

namespace DslFlow.Checkpointing;

/// <summary>
/// The on-disk framing shared by checkpoint files. Every file starts with an 8-byte header: 4 magic bytes naming the
/// kind of file, the format version (uint16, little endian) and 2 reserved zero bytes.
/// <list type="bullet">
/// <item>State file (<c>DFST</c>): header, payload, then a 12-byte footer: payload length (int64) and the payload's
/// CRC-32C (uint32).</item>
/// <item>Metadata file (<c>DFMD</c>): header, body length (int32), body, then the CRC-32C (uint32) of everything
/// before it.</item>
/// </list>
/// Readers check the magic, then the version (a newer layout may differ after the header), then lengths and checksums.
/// </summary>
internal static class CheckpointFileFormat
{
    public const int HeaderLength = 8;
    public const int StateFooterLength = 12;
    public static ReadOnlySpan<byte> StateMagic => "DFST"u8;
    public static ReadOnlySpan<byte> MetadataMagic => "DFMD"u8;

    public static void WriteHeader(Span<byte> destination, ReadOnlySpan<byte> magic)
    {
        magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], CheckpointMetadata.CurrentFormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
    }

    /// <summary>Returns the format version, or throws <see cref="CheckpointCorruptedException"/> unless the header is one this build reads.</summary>
    public static int CheckHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> magic, long checkpointId, string file)
    {
        if (header.Length < HeaderLength)
        {
            throw new CheckpointCorruptedException(checkpointId, file, "is too short to hold its header",
                $"at least {HeaderLength} bytes", $"{header.Length} bytes");
        }
        if (!header[..4].SequenceEqual(magic))
        {
            throw new CheckpointCorruptedException(checkpointId, file, "does not start with the expected magic bytes",
                Describe(magic), Describe(header[..4]));
        }
        int version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version < CheckpointMetadata.OldestReadableFormatVersion || version > CheckpointMetadata.CurrentFormatVersion)
        {
            throw new CheckpointCorruptedException(checkpointId, file,
                $"has format version {version}, which this build of DslFlow cannot read (it reads versions "
                + $"{CheckpointMetadata.OldestReadableFormatVersion} to {CheckpointMetadata.CurrentFormatVersion}; was it written by a different DslFlow version?)",
                $"version {CheckpointMetadata.OldestReadableFormatVersion} to {CheckpointMetadata.CurrentFormatVersion}", $"version {version}");
        }
        return version;
    }

    public static void WriteStateFooter(Span<byte> destination, long payloadLength, uint checksum)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], checksum);
    }

    public static (long PayloadLength, uint Checksum) ReadStateFooter(ReadOnlySpan<byte> footer) =>
        (BinaryPrimitives.ReadInt64LittleEndian(footer), BinaryPrimitives.ReadUInt32LittleEndian(footer[8..]));

    public static string Hex(uint checksum) => $"0x{checksum:x8}";

    private static string Describe(ReadOnlySpan<byte> magic) => $"'{System.Text.Encoding.ASCII.GetString(magic)}' "
        + $"(0x{Convert.ToHexString(magic)})";
}
