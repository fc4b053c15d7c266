namespace DslFlow.Checkpointing;

/// <summary>
/// Where checkpoints live (Flink's checkpoint storage). Tasks write their state files through it and send the
/// returned <see cref="StateHandle"/>s to the coordinator; the coordinator completes a checkpoint by writing its
/// <see cref="CheckpointMetadata"/>, last and atomically; recovery loads the newest valid completed checkpoint.
/// Implementations are thread-safe: subtasks write concurrently while the coordinator completes or aborts.
/// </summary>
public interface ICheckpointStorage
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
    /// Reads the payload a handle refers to, after checking the file's header, length and checksum.
    /// </summary>
    /// <param name="handle">A handle from a completed checkpoint's metadata.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="CheckpointCorruptedException">The file is missing, truncated, or fails its checksum.</exception>
    Task<byte[]> ReadStateAsync(StateHandle handle, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes a checkpoint: checks that every referenced state file exists with its length, writes the metadata
    /// durably and atomically (the checkpoint counts as completed from that moment), then applies retention.
    /// </summary>
    /// <param name="metadata">The checkpoint's metadata.</param>
    /// <param name="cancellationToken">Cancels before the metadata becomes visible.</param>
    Task CompleteCheckpointAsync(CheckpointMetadata metadata, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the files of a checkpoint that did not complete, and refuses further state for it. Returns false
    /// when nothing was there. A completed checkpoint is never deleted this way.
    /// </summary>
    /// <param name="checkpointId">The aborted checkpoint.</param>
    /// <exception cref="InvalidOperationException">The checkpoint is completed.</exception>
    bool AbortCheckpoint(long checkpointId);

    /// <summary>
    /// Removes what a crash leaves behind: checkpoint directories without metadata that are newer than every completed
    /// one (checkpoints in progress when the process stopped), half-deleted directories and temporary files. A
    /// directory without metadata that is older than a completed checkpoint cannot be left by a crash: it is logged as
    /// damage and kept. Call it at start, before any checkpoint is triggered. Returns the number of directories and
    /// files removed.
    /// </summary>
    int CleanUpPartial();

    /// <summary>
    /// Deletes every checkpoint, completed or not, oldest first (a crash half-way leaves the newest, never an older one):
    /// the job finished, so nothing is left to resume (Flink discards the checkpoints of a finished job too). Returns
    /// the number of checkpoint directories removed.
    /// </summary>
    int DiscardAll();

    /// <summary>The ids of the checkpoint directories without metadata (in progress, aborted, or damaged), ascending.</summary>
    IReadOnlyList<long> ListPartialCheckpoints();

    /// <summary>
    /// Reads and validates one completed checkpoint's metadata and every state file it names; null when the checkpoint
    /// has no metadata.
    /// </summary>
    /// <param name="checkpointId">The checkpoint.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="CheckpointCorruptedException">The metadata or a state file is damaged or missing.</exception>
    Task<CheckpointMetadata?> LoadCheckpointAsync(long checkpointId, CancellationToken cancellationToken = default);

    /// <summary>The ids of the checkpoints whose metadata exists (not yet validated), ascending.</summary>
    IReadOnlyList<long> ListCompletedCheckpoints();

    /// <summary>
    /// Returns the metadata of the newest completed checkpoint whose metadata and state files all validate, or null
    /// when there is none. Each newer checkpoint that is skipped (partial or corrupted) is logged as a warning that
    /// says what is wrong and which checkpoint is used instead.
    /// </summary>
    /// <param name="cancellationToken">Cancels the search.</param>
    Task<CheckpointMetadata?> LoadLatestAsync(CancellationToken cancellationToken = default);
}
