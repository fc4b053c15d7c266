using DslFlow.Checkpointing;
using DslFlow.Hashing;
using DslFlow.State.Backends;
using DslFlow.StateBackends.RocksDb.Snapshots;

namespace DslFlow.StateBackends.RocksDb.Restore;

/// <summary>
/// Brings one native part's files from checkpoint storage into a local folder RocksDB can open: every SST copied and
/// checked against the length and CRC-32C its handle records (a damaged or missing SST is a damaged checkpoint, like any
/// state file), the small files written from the part.
/// </summary>
internal static class NativePartFiles
{
    private const int ChunkBytes = 1 << 20;

    /// <exception cref="CheckpointCorruptedException">An SST is missing, shorter than recorded, or fails its checksum.</exception>
    public static void Download(NativePart part, NativeRestore restore, string folder)
    {
        RocksDbSubtaskDatabase.TryDelete(folder);
        Directory.CreateDirectory(folder);
        byte[] chunk = new byte[ChunkBytes];
        foreach ((string file, StateHandle handle) in part.SstFiles)
        {
            using var target = new FileStream(Path.Combine(folder, file), FileMode.CreateNew, FileAccess.Write, FileShare.None, ChunkBytes);
            uint crc = Crc32C.Start;
            for (long offset = 0; offset < handle.Length; offset += ChunkBytes)
            {
                Span<byte> span = chunk.AsSpan(0, (int)Math.Min(ChunkBytes, handle.Length - offset));
                restore.Storage.ReadStateRange(handle, offset, span);
                crc = Crc32C.Append(crc, span);
                target.Write(span);
            }
            if (Crc32C.Finish(crc) != handle.Checksum)
            {
                throw new CheckpointCorruptedException(restore.CheckpointId, handle.RelativePath,
                    $"is RocksDB file {file} of {restore.SectionName}, and its content does not match the checksum the checkpoint recorded",
                    $"crc32c 0x{handle.Checksum:x8}", $"crc32c 0x{Crc32C.Finish(crc):x8}");
            }
        }
        foreach ((string file, byte[] bytes) in part.PrivateFiles)
        {
            File.WriteAllBytes(Path.Combine(folder, file), bytes);
        }
    }
}
