using System.Buffers.Binary;
using DslFlow.Checkpointing;
using DslFlow.Hashing;

namespace DslFlow.State.Changelog;

/// <summary>
/// The bytes of the state change log (Flink's <c>StateChangeFormat</c>), versioned and checksummed per section, because
/// a restore reads single sections of a shared file by range. A log file's payload is a sequence of sections, one per
/// change set of one subtask:
/// <code>
/// section = int32 length (of what follows) | byte version | int64 sequence number | int32 change count
///           | change* | uint32 CRC-32C (of version .. last change)
/// change  = int32 key group (-1: metadata) | int32 length | bytes
/// </code>
/// Changes keep the order in which they were made. What a change's bytes mean is the changelog backend's business.
/// </summary>
internal static class ChangelogFormat
{
    /// <summary>The section format written, and the only one read.</summary>
    public const byte Version = 1;

    /// <summary>The key group of a metadata change: replayed by every subtask, whatever key groups it owns.</summary>
    public const int MetadataKeyGroup = -1;

    /// <summary>Bytes a change adds besides its own: key group and length.</summary>
    public const int ChangeOverhead = 8;

    /// <summary>Bytes a section adds besides its changes: length, version, sequence number, count and checksum.</summary>
    public const int SectionOverhead = 4 + 1 + 8 + 4 + 4;

    /// <summary>Writes one change in its section encoding; <paramref name="destination"/> holds <see cref="ChangeOverhead"/> + its length.</summary>
    public static void WriteChange(Span<byte> destination, int keyGroup, ReadOnlySpan<byte> change)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, keyGroup);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], change.Length);
        change.CopyTo(destination[ChangeOverhead..]);
    }

    /// <summary>Writes a section around encoded changes; <paramref name="destination"/> holds <see cref="SectionOverhead"/> + their length.</summary>
    public static void WriteSection(Span<byte> destination, long sequenceNumber, int count, ReadOnlySpan<byte> changes)
    {
        int bodyEnd = 4 + 1 + 8 + 4 + changes.Length;
        BinaryPrimitives.WriteInt32LittleEndian(destination, bodyEnd);
        destination[4] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(destination[5..], sequenceNumber);
        BinaryPrimitives.WriteInt32LittleEndian(destination[13..], count);
        changes.CopyTo(destination[17..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[bodyEnd..], Crc32C.Compute(destination[4..bodyEnd]));
    }

    /// <summary>
    /// Checks one section read by range and calls <paramref name="apply"/> with each change, in order.
    /// </summary>
    /// <param name="section">The bytes of <paramref name="segment"/>.</param>
    /// <param name="segment">Where they come from (messages).</param>
    /// <param name="checkpointId">The checkpoint being restored (messages).</param>
    /// <param name="apply">Receives each change's key group and bytes.</param>
    /// <exception cref="CheckpointCorruptedException">The section is damaged, or of an unknown version.</exception>
    public static void ReadSection(ReadOnlySpan<byte> section, ChangelogSegment segment, long checkpointId,
        ChangeReader apply)
    {
        string file = segment.File.RelativePath;
        if (section.Length < SectionOverhead
            || BinaryPrimitives.ReadInt32LittleEndian(section) != section.Length - 4)
        {
            throw Corrupted(checkpointId, segment, "has a log section whose length does not match its handle",
                $"{segment.Length - 4}", section.Length < 4 ? "fewer than 4 bytes" : $"{BinaryPrimitives.ReadInt32LittleEndian(section)}");
        }
        if (section[4] != Version)
        {
            throw new CheckpointCorruptedException(checkpointId, file,
                $"has a log section in format version {section[4]}, which this DslFlow does not read (it reads version "
                + $"{Version}); restore with the DslFlow version that wrote it", $"{Version}", $"{section[4]}");
        }
        int crcAt = section.Length - 4;
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(section[crcAt..]);
        uint actual = Crc32C.Compute(section[4..crcAt]);
        if (expected != actual)
        {
            throw Corrupted(checkpointId, segment, "has a log section that fails its checksum", $"0x{expected:x8}", $"0x{actual:x8}");
        }
        long sequence = BinaryPrimitives.ReadInt64LittleEndian(section[5..]);
        if (sequence != segment.SequenceNumber)
        {
            throw Corrupted(checkpointId, segment, "has a log section of another change set", $"{segment.SequenceNumber}", $"{sequence}");
        }
        int count = BinaryPrimitives.ReadInt32LittleEndian(section[13..]);
        ReadOnlySpan<byte> changes = section[17..crcAt];
        for (int i = 0; i < count; i++)
        {
            if (changes.Length < ChangeOverhead)
            {
                throw Corrupted(checkpointId, segment, $"ends inside change {i} of its log section", $"{count} changes", $"{i}");
            }
            int keyGroup = BinaryPrimitives.ReadInt32LittleEndian(changes);
            int length = BinaryPrimitives.ReadInt32LittleEndian(changes[4..]);
            if (length < 0 || length > changes.Length - ChangeOverhead)
            {
                throw Corrupted(checkpointId, segment, $"has change {i} longer than its log section",
                    $"at most {changes.Length - ChangeOverhead} bytes", $"{length}");
            }
            apply(keyGroup, changes.Slice(ChangeOverhead, length));
            changes = changes[(ChangeOverhead + length)..];
        }
        if (!changes.IsEmpty)
        {
            throw Corrupted(checkpointId, segment, "has bytes after the last change of its log section", "0", $"{changes.Length}");
        }
    }

    private static CheckpointCorruptedException Corrupted(long checkpointId, ChangelogSegment segment, string problem,
        string expected, string actual) =>
        new(checkpointId, segment.File.RelativePath, $"{problem} (change set {segment.SequenceNumber} at offset {segment.Offset})",
            expected, actual);
}

/// <summary>Receives one change read back from the log: its key group (<see cref="ChangelogFormat.MetadataKeyGroup"/> for metadata) and bytes.</summary>
internal delegate void ChangeReader(int keyGroup, ReadOnlySpan<byte> change);
