namespace DslFlow.Checkpointing;

/// <summary>
/// The part of checkpoint storage that tasks use (Flink's <c>CheckpointStorageWorkerView</c>): write the state files of
/// a checkpoint in progress, write shared files that later checkpoints may reuse, and read state back through its
/// handles. It cannot complete, abort or delete checkpoints; that is the <see cref="ICheckpointStorageCoordinatorView"/>.
/// Implementations are thread-safe: subtasks write concurrently.
/// </summary>
public interface ICheckpointStorageWorkerView
{
    /// <summary>
    /// Opens a stream for one state file of a checkpoint that is in progress. The name is a plain file name
    /// (letters, digits, <c>.</c>, <c>-</c>, <c>_</c>; not starting with <c>.</c> or <c>_</c>), unique in the
    /// checkpoint, for example <c>counter-3.state</c>.
    /// </summary>
    /// <param name="checkpointId">The checkpoint (1 or more) that is neither completed nor aborted.</param>
    /// <param name="name">The state file name.</param>
    CheckpointStateOutputStream OpenStateWriter(long checkpointId, string name);

    /// <summary>Writes one state file from a buffer and returns its handle (see <see cref="OpenStateWriter"/>).</summary>
    /// <param name="checkpointId">The checkpoint (1 or more) that is neither completed nor aborted.</param>
    /// <param name="name">The state file name.</param>
    /// <param name="data">The serialized state.</param>
    /// <param name="cancellationToken">Cancels the write; the partial file is removed.</param>
    Task<StateHandle> WriteStateAsync(long checkpointId, string name, ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken = default);

    /// <summary>Writes one state file from the rest of a stream and returns its handle.</summary>
    /// <param name="checkpointId">The checkpoint (1 or more) that is neither completed nor aborted.</param>
    /// <param name="name">The state file name.</param>
    /// <param name="data">The serialized state, read to its end.</param>
    /// <param name="cancellationToken">Cancels the write; the partial file is removed.</param>
    Task<StateHandle> WriteStateAsync(long checkpointId, string name, Stream data,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a stream for one <em>shared</em> state file: a file in the job's <c>shared/</c> area that this and later
    /// checkpoints may list in their metadata (reuse instead of rewriting unchanged state). The name follows the rules
    /// of <see cref="OpenStateWriter"/>, at most 160 characters; the storage
    /// appends a random suffix, so names never collide across subtasks, attempts or restarts. The handle's
    /// <see cref="StateHandle.CheckpointId"/> is <paramref name="checkpointId"/> (the creating checkpoint) and its
    /// <see cref="StateHandle.RelativePath"/> is <c>shared/{name}-{suffix}</c>. The file is deleted when no retained
    /// checkpoint uses it any more, or when its checkpoint ends without a completed checkpoint referencing it. Reuse
    /// only files that a completed checkpoint lists: a file of a checkpoint that is aborted is deleted with it.
    /// </summary>
    /// <param name="checkpointId">The checkpoint (1 or more) that is neither completed nor aborted.</param>
    /// <param name="name">The caller's part of the file name, for example <c>counter-3-sst-17</c>.</param>
    CheckpointStateOutputStream OpenSharedStateWriter(long checkpointId, string name);

    /// <summary>Writes one shared state file from a buffer and returns its handle (see <see cref="OpenSharedStateWriter"/>).</summary>
    /// <param name="checkpointId">The checkpoint (1 or more) that is neither completed nor aborted.</param>
    /// <param name="name">The caller's part of the file name.</param>
    /// <param name="data">The serialized state.</param>
    /// <param name="cancellationToken">Cancels the write; the partial file is removed.</param>
    Task<StateHandle> WriteSharedStateAsync(long checkpointId, string name, ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims a shared file that an earlier checkpoint wrote, for the checkpoint in progress to list without writing it
    /// again (an unchanged RocksDB SST): when true, the file exists and is not deleted before
    /// <paramref name="checkpointId"/> has ended, whatever retention decides meanwhile; when false, write the state anew.
    /// A claim closes the race between a task reusing the files of the newest checkpoint it knows completed and a newer
    /// completion retiring that checkpoint. The default implementation claims nothing.
    /// </summary>
    /// <param name="checkpointId">The checkpoint (1 or more) that is neither completed nor aborted.</param>
    /// <param name="handle">A shared file's handle from an earlier checkpoint.</param>
    bool TryReuseSharedState(long checkpointId, StateHandle handle) => false;

    /// <summary>
    /// Opens a stream for a shared state file that the writing task <em>owns</em> until a completed checkpoint lists it:
    /// a file written ahead of any checkpoint (a changelog's log file, persisted before the barrier that will reference
    /// it). Unlike <see cref="OpenSharedStateWriter"/>, no checkpoint's abort or subsumption deletes it; it goes when the
    /// task releases it (<see cref="ReleaseOwnedSharedState"/>) while no completed checkpoint lists it, when the last
    /// retained checkpoint listing it is retired, or at the next start if neither happened (a crash). The handle's
    /// <see cref="StateHandle.CheckpointId"/> is the checkpoint after the newest completed one (every checkpoint that can
    /// still list the file). Names follow <see cref="OpenSharedStateWriter"/>.
    /// </summary>
    /// <param name="name">The caller's part of the file name, for example <c>changelog-3</c>.</param>
    CheckpointStateOutputStream OpenOwnedSharedStateWriter(string name);

    /// <summary>
    /// The task no longer needs an owned shared file (see <see cref="OpenOwnedSharedStateWriter"/>): it is deleted now
    /// unless a completed checkpoint lists it (then retention decides) or a checkpoint listing it is completing (then it
    /// goes once that completion has failed). Releasing an unknown or already released handle does nothing.
    /// </summary>
    /// <param name="handle">A handle returned by <see cref="OpenOwnedSharedStateWriter"/>.</param>
    void ReleaseOwnedSharedState(StateHandle handle);

    /// <summary>
    /// Reads the payload a handle refers to, after checking the file's header, length and checksum.
    /// </summary>
    /// <param name="handle">A handle from a completed checkpoint's metadata.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="CheckpointCorruptedException">The file is missing, truncated, or fails its checksum.</exception>
    Task<byte[]> ReadStateAsync(StateHandle handle, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads <c>destination.Length</c> bytes of the payload a handle refers to, starting at <paramref name="offset"/>
    /// in the payload: a restore reads the index of a state file and then only the blocks it needs. The payload's
    /// checksum is not checked here (the blocks carry their own).
    /// </summary>
    /// <param name="handle">A handle from a completed checkpoint's metadata.</param>
    /// <param name="offset">Where to start, in bytes from the start of the payload.</param>
    /// <param name="destination">Receives the bytes.</param>
    /// <exception cref="CheckpointCorruptedException">The file is missing or shorter than its handle says, or the range lies outside the payload.</exception>
    void ReadStateRange(StateHandle handle, long offset, Span<byte> destination);
}
