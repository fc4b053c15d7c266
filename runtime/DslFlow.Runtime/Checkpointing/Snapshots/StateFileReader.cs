using DslFlow.Hashing;
using DslFlow.Serialization;

namespace DslFlow.Checkpointing;

/// <summary>Reads <paramref name="destination"/>.Length bytes of a state file's payload at <paramref name="offset"/>.</summary>
internal delegate void PayloadRangeReader(long offset, Span<byte> destination);

/// <summary>
/// Reads a state file's payload by ranges: the trailer and the index first, then only the blocks asked for, each checked
/// against its CRC-32C (<see cref="StateFileWriter"/> wrote them).
/// </summary>
internal sealed class StateFileReader
{
    private readonly PayloadRangeReader _read;

    private StateFileReader(StateFileIndex index, PayloadRangeReader read)
    {
        Index = index;
        _read = read;
    }

    /// <summary>Where the subtask sat and where each state's blocks are.</summary>
    public StateFileIndex Index { get; }

    /// <summary>Reads and checks the trailer and the index of a payload of <paramref name="payloadLength"/> bytes.</summary>
    /// <exception cref="StateFormatException">The trailer or index is malformed or fails its checksum.</exception>
    public static StateFileReader Open(long payloadLength, PayloadRangeReader read)
    {
        if (payloadLength < StateFileIndex.TrailerLength)
        {
            throw new StateFormatException($"a state file's payload needs a {StateFileIndex.TrailerLength}-byte trailer, "
                + $"but it has {payloadLength} bytes", 0);
        }
        Span<byte> trailer = stackalloc byte[StateFileIndex.TrailerLength];
        read(payloadLength - StateFileIndex.TrailerLength, trailer);
        (long indexOffset, int indexLength, uint indexCrc) = StateFileIndex.ReadTrailer(trailer);
        if (indexOffset < 0 || indexLength < 0 || indexOffset + (long)indexLength != payloadLength - StateFileIndex.TrailerLength)
        {
            throw new StateFormatException($"the state file's trailer places its index ({indexLength} bytes at {indexOffset}) "
                + $"elsewhere than just before the trailer of a {payloadLength}-byte payload", Position(payloadLength - StateFileIndex.TrailerLength));
        }
        var bytes = new byte[indexLength];
        read(indexOffset, bytes);
        uint actual = Crc32C.Compute(bytes);
        if (actual != indexCrc)
        {
            throw new StateFormatException($"the state file's index fails its checksum (crc32c 0x{indexCrc:x8} in the trailer, "
                + $"0x{actual:x8} computed)", Position(indexOffset));
        }
        return new StateFileReader(StateFileIndex.Read(bytes, indexOffset), read);
    }

    /// <summary>A reader over a whole payload in memory.</summary>
    public static StateFileReader FromPayload(ReadOnlyMemory<byte> payload) =>
        Open(payload.Length, (offset, destination) => payload.Span.Slice((int)offset, destination.Length).CopyTo(destination));

    /// <summary>Reads one block and checks its checksum.</summary>
    /// <exception cref="StateFormatException">The block fails its checksum.</exception>
    public byte[] ReadBlock(StateSection section, BlockLocation block)
    {
        var bytes = new byte[block.Length];
        _read(block.Offset, bytes);
        uint actual = Crc32C.Compute(bytes);
        if (actual != block.Checksum)
        {
            string which = block.KeyGroup >= 0 ? $"key group {block.KeyGroup} of state '{section.Name}'" : $"state '{section.Name}'";
            throw new StateFormatException($"the block of {which} fails its checksum (crc32c 0x{block.Checksum:x8} in the "
                + $"index, 0x{actual:x8} computed)", Position(block.Offset));
        }
        return bytes;
    }

    private static int Position(long offset) => (int)Math.Min(offset, int.MaxValue);
}
