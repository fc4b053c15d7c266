using System.Buffers.Binary;
using DslFlow.Serialization;

namespace DslFlow.Checkpointing;

/// <summary>Where one block of a state file lies in its payload, and what it holds.</summary>
/// <param name="KeyGroup">The key group of a keyed state's block; -1 for the one block of any other state.</param>
/// <param name="Count">The number of entries in a keyed block (0 otherwise).</param>
/// <param name="Offset">The block's offset in the payload.</param>
/// <param name="Length">The block's length in bytes.</param>
/// <param name="Checksum">The block's CRC-32C.</param>
internal readonly record struct BlockLocation(int KeyGroup, int Count, long Offset, int Length, uint Checksum);

/// <summary>One named state of a state file: its scope, descriptor and blocks (one per key group for keyed state).</summary>
internal sealed record StateSection(string Name, StateScope Scope, string? Descriptor, IReadOnlyList<BlockLocation> Blocks);

/// <summary>
/// The index at the end of a state file's payload: where the subtask sat and where each state's blocks are, so a reader
/// seeks to the blocks it needs (a restoring subtask: its key groups) and reads nothing else. Layout:
/// <c>varint subtask, varint parallelism, varint maxParallelism, varint sections</c>, per section
/// <c>string name, byte scope, nullable string descriptor, varint blocks</c>, per block <c>varint keyGroup + 1,
/// varint count, varint64 offset, varint length, uint32 crc32c</c>; then the fixed <see cref="TrailerLength"/>-byte
/// trailer: <c>int64 indexOffset, int32 indexLength, uint32 indexCrc32c</c>.
/// </summary>
internal sealed record StateFileIndex(int SubtaskIndex, int Parallelism, int MaxParallelism, IReadOnlyList<StateSection> Sections)
{
    /// <summary>The length of the trailer that ends every state file's payload.</summary>
    public const int TrailerLength = 16;

    public void Write(StateBuffer buffer)
    {
        var writer = new StateWriter(buffer);
        writer.WriteIndex(SubtaskIndex);
        writer.WriteIndex(Parallelism);
        writer.WriteIndex(MaxParallelism);
        writer.WriteVarUInt32((uint)Sections.Count);
        foreach (StateSection section in Sections)
        {
            StringSerializer.Instance.Write(ref writer, section.Name);
            writer.WriteByte((byte)section.Scope);
            StringSerializer.Instance.Write(ref writer, section.Descriptor);
            writer.WriteVarUInt32((uint)section.Blocks.Count);
            foreach (BlockLocation block in section.Blocks)
            {
                writer.WriteVarUInt32((uint)(block.KeyGroup + 1));
                writer.WriteVarUInt32((uint)block.Count);
                writer.WriteVarUInt64((ulong)block.Offset);
                writer.WriteLength(block.Length);
                writer.WriteUInt32(block.Checksum);
            }
        }
    }

    /// <summary>Decodes an index whose blocks must lie inside the first <paramref name="dataLength"/> bytes of the payload.</summary>
    /// <exception cref="StateFormatException">The index is malformed.</exception>
    public static StateFileIndex Read(ReadOnlySpan<byte> bytes, long dataLength)
    {
        var reader = new StateReader(bytes);
        int subtask = reader.ReadIndex();
        int parallelism = reader.ReadIndex();
        int maxParallelism = reader.ReadIndex();
        if (parallelism < 1 || subtask >= parallelism || maxParallelism < 1)
        {
            throw reader.Malformed($"{Messages.SubtaskNames.Of(subtask, parallelism)} with {maxParallelism} key groups is not a valid position");
        }
        int count = reader.ReadLength();
        var sections = new List<StateSection>(reader.SafeCapacity(count));
        for (int i = 0; i < count; i++)
        {
            string name = StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed("a state has no name");
            var scope = (StateScope)reader.ReadByte();
            if (!Enum.IsDefined(scope))
            {
                throw reader.Malformed($"state '{name}' has an unknown scope {(byte)scope}");
            }
            string? descriptor = StringSerializer.Instance.Read(ref reader);
            int blockCount = reader.ReadLength();
            var blocks = new List<BlockLocation>(reader.SafeCapacity(blockCount));
            for (int b = 0; b < blockCount; b++)
            {
                int group = (int)reader.ReadVarUInt32() - 1;
                int entries = reader.ReadLength();
                ulong offset = reader.ReadVarUInt64();
                int length = reader.ReadLength();
                uint crc = reader.ReadUInt32();
                bool keyed = scope == StateScope.Keyed;
                if (offset > (ulong)dataLength || (ulong)length > (ulong)dataLength - offset
                    || (keyed ? group < 0 || group >= maxParallelism || (b > 0 && group <= blocks[^1].KeyGroup) : group != -1 || blockCount != 1))
                {
                    throw reader.Malformed($"state '{name}' has a block (key group {group}, {length} bytes at {offset}) outside "
                        + $"the file's {dataLength} data bytes, out of order, or not fitting its scope");
                }
                blocks.Add(new BlockLocation(group, entries, (long)offset, length, crc));
            }
            sections.Add(new StateSection(name, scope, descriptor, blocks));
        }
        reader.ExpectEnd();
        return new StateFileIndex(subtask, parallelism, maxParallelism, sections);
    }

    public static void WriteTrailer(Span<byte> destination, long indexOffset, int indexLength, uint indexChecksum)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, indexOffset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], indexLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], indexChecksum);
    }

    public static (long IndexOffset, int IndexLength, uint IndexChecksum) ReadTrailer(ReadOnlySpan<byte> trailer) =>
        (BinaryPrimitives.ReadInt64LittleEndian(trailer), BinaryPrimitives.ReadInt32LittleEndian(trailer[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(trailer[12..]));
}
