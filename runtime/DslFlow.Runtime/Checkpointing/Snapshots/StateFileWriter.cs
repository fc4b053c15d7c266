using DslFlow.Hashing;
using DslFlow.Serialization;
using DslFlow.State.Backends;

namespace DslFlow.Checkpointing;

/// <summary>
/// One named state to write into a state file: keyed state as key-group blocks (possibly produced while the writer
/// enumerates them, see <see cref="IKeyedStateSnapshot.Serialize"/>), any other state as one block.
/// </summary>
internal sealed record SectionContent(string Name, StateScope Scope, string? Descriptor, IEnumerable<KeyGroupBlock> Blocks)
{
    /// <summary>A state that is not keyed: its bytes as the section's one block.</summary>
    public static SectionContent Whole(string name, StateScope scope, string? descriptor, ReadOnlyMemory<byte> bytes) =>
        new(name, scope, descriptor, [new KeyGroupBlock(-1, 0, bytes, default)]);
}

/// <summary>
/// Writes the payload of a state file: every section's blocks, each with its CRC-32C, then the
/// <see cref="StateFileIndex"/> and its trailer. The storage frames the payload once (header, footer with the length and
/// the CRC-32C of the whole payload); the blocks go from the snapshot's buffers to the stream without another copy, each
/// written before the next is requested.
/// </summary>
internal static class StateFileWriter
{
    public static async Task WriteAsync(Stream destination, int subtaskIndex, int parallelism, int maxParallelism,
        IReadOnlyList<SectionContent> sections, CancellationToken cancellationToken)
    {
        long offset = 0;
        var indexed = new List<StateSection>(sections.Count);
        foreach (SectionContent section in sections)
        {
            var blocks = new List<BlockLocation>();
            foreach (KeyGroupBlock block in section.Blocks)
            {
                uint crc = Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, block.First.Span), block.Second.Span));
                await destination.WriteAsync(block.First, cancellationToken).ConfigureAwait(false);
                await destination.WriteAsync(block.Second, cancellationToken).ConfigureAwait(false);
                blocks.Add(new BlockLocation(block.KeyGroup, block.Count, offset, block.Length, crc));
                offset += block.Length;
            }
            indexed.Add(new StateSection(section.Name, section.Scope, section.Descriptor, blocks));
        }
        using var index = new StateBuffer(256 + 24 * indexed.Sum(s => s.Blocks.Count + 2));
        new StateFileIndex(subtaskIndex, parallelism, maxParallelism, indexed).Write(index);
        int indexLength = index.WrittenCount;
        StateFileIndex.WriteTrailer(new StateWriter(index).Reserve(StateFileIndex.TrailerLength), offset, indexLength,
            Crc32C.Compute(index.WrittenSpan[..indexLength]));
        await destination.WriteAsync(index.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The whole payload in memory (tests, and files too small to stream).</summary>
    public static byte[] Encode(int subtaskIndex, int parallelism, int maxParallelism, IReadOnlyList<SectionContent> sections)
    {
        using var stream = new MemoryStream();
        WriteAsync(stream, subtaskIndex, parallelism, maxParallelism, sections, CancellationToken.None).GetAwaiter().GetResult();
        return stream.ToArray();
    }
}
