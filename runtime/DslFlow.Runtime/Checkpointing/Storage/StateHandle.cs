namespace DslFlow.Checkpointing;

/// <summary>
/// A reference to one state file of a checkpoint, returned by the storage when a task finished writing it. The task
/// sends it to the coordinator with its acknowledgement; the coordinator lists it in the
/// <see cref="CheckpointMetadata"/>; recovery reads the state back with <see cref="ICheckpointStorageWorkerView.ReadStateAsync"/>.
/// A handle to a shared file (<c>shared/{name}</c>) may be listed by checkpoints after the one that created it.
/// </summary>
/// <param name="CheckpointId">The checkpoint the file belongs to (for a shared file: the one that created it).</param>
/// <param name="RelativePath">The file's path relative to the storage directory, with <c>/</c> separators
/// (for example <c>chk-7/counter-0.state</c>, or <c>shared/{name}</c> for a shared file).</param>
/// <param name="Length">The length of the state payload in bytes (without the file's header and footer).</param>
/// <param name="Checksum">The CRC-32C of the state payload.</param>
public sealed record StateHandle(long CheckpointId, string RelativePath, long Length, uint Checksum)
{
    /// <summary>Describes the handle for logs and exception messages.</summary>
    public override string ToString() => $"{RelativePath} ({Length} bytes, crc32c 0x{Checksum:x8})";
}
