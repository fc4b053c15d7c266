using DslFlow.Checkpointing;

namespace DslFlow.State.Backends;

/// <summary>
/// A backend's own part of a subtask's snapshot, in place of per-state key-group blocks: one section of the task state
/// file whose bytes only the backend reads, naming shared files it wrote or reused (a changelog's materialization and
/// logs, RocksDB's SST files). The checkpoint's metadata lists those files, so the shared state registry keeps them as
/// long as a retained checkpoint needs them.
/// </summary>
internal interface IKeyedSnapshotPart : IDisposable
{
    /// <summary>The section's name (<c>changelog/{task}</c>, <c>rocksdb/{task}</c>).</summary>
    string SectionName { get; }

    /// <summary>The section's scope, which says which backend reads it.</summary>
    StateScope Scope { get; }

    /// <summary>
    /// The asynchronous part: writes what the checkpoint still needs to storage and returns the section's bytes and the
    /// shared files they name, each once. Called once per checkpoint the part is written into (a final snapshot's part
    /// is written into every later checkpoint).
    /// </summary>
    Task<(byte[] Bytes, IReadOnlyList<StateHandle> Shared)> WriteAsync(ICheckpointStorageWorkerView storage, long checkpointId,
        CancellationToken cancellationToken);
}

/// <summary>
/// A backend that snapshots into its own format (<see cref="IKeyedSnapshotPart"/>) and restores from it; the runtime
/// hands it the parts of a restored checkpoint that belong to its task.
/// </summary>
internal interface INativeSnapshotBackend : IKeyedStateBackend
{
    /// <summary>The synchronous part of a native snapshot, or null when the backend is configured for full snapshots.</summary>
    IKeyedSnapshotPart? SnapshotNative(long checkpointId, string sectionName);

    /// <summary>Restores from the native parts of every old subtask of the task (only the overlapping ones are read).</summary>
    /// <exception cref="CheckpointCorruptedException">A part or a file it names is missing or damaged.</exception>
    /// <exception cref="JobConfigurationException">The part holds state the job no longer declares, or declares otherwise.</exception>
    void RestoreNative(NativeRestore restore);
}

/// <summary>The native parts of one task in a restored checkpoint, with what a backend needs to read them.</summary>
/// <param name="CheckpointId">The restored checkpoint.</param>
/// <param name="Parts">Every old subtask's section bytes.</param>
/// <param name="Handles">The checkpoint's state files by path, shared ones included.</param>
/// <param name="Storage">Where the files are read.</param>
/// <param name="AllowNonRestoredState">Whether states the job no longer declares may be dropped.</param>
/// <param name="SectionName">The parts' section name (messages).</param>
internal sealed record NativeRestore(long CheckpointId, IReadOnlyList<byte[]> Parts, IReadOnlyDictionary<string, StateHandle> Handles,
    ICheckpointStorageWorkerView Storage, bool AllowNonRestoredState, string SectionName);

