namespace DslFlow.Checkpointing;

/// <summary>
/// The part of checkpoint storage that the checkpoint coordinator and recovery use (Flink's
/// <c>CheckpointStorageCoordinatorView</c>): complete a checkpoint by writing its <see cref="CheckpointMetadata"/>, last
/// and atomically; abort, retire and discard checkpoints; find and load completed ones. Shared files (see
/// <see cref="ICheckpointStorageWorkerView.OpenSharedStateWriter"/>) are deleted only when no retained checkpoint uses
/// them. Implementations are thread-safe: the coordinator completes or aborts while subtasks write.
/// </summary>
public interface ICheckpointStorageCoordinatorView
{
    /// <summary>
    /// Completes a checkpoint: checks that every referenced state file exists with its length (shared files under the
    /// lock that deletes them, so a checkpoint never completes with a dangling reference), writes the metadata durably
    /// and atomically (the checkpoint counts as completed from that moment), registers its shared files, then applies
    /// retention.
    /// </summary>
    /// <param name="metadata">The checkpoint's metadata.</param>
    /// <param name="cancellationToken">Cancels before the metadata becomes visible.</param>
    Task CompleteCheckpointAsync(CheckpointMetadata metadata, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the files of a checkpoint that did not complete (its shared files too, unless a completed checkpoint
    /// uses them), and refuses further state for it. Returns false when no checkpoint directory was there. A completed
    /// checkpoint is never deleted this way.
    /// </summary>
    /// <param name="checkpointId">The aborted checkpoint.</param>
    /// <exception cref="InvalidOperationException">The checkpoint is completed.</exception>
    bool AbortCheckpoint(long checkpointId);

    /// <summary>
    /// Removes what a crash leaves behind: checkpoint directories without metadata that are newer than every completed
    /// one (checkpoints in progress when the process stopped), half-deleted directories, temporary files, and shared
    /// files no completed checkpoint references. A directory without metadata that is older than a completed checkpoint
    /// cannot be left by a crash: it is logged as damage and kept. Call it at start, before any checkpoint is
    /// triggered. Returns the number of directories and files removed.
    /// </summary>
    int CleanUpPartial();

    /// <summary>
    /// Deletes every checkpoint, completed or not, oldest first (a crash half-way leaves the newest, never an older one),
    /// then the shared files no remaining checkpoint uses: the job finished, so nothing is left to resume (Flink
    /// discards the checkpoints of a finished job too). Returns the number of checkpoint directories removed.
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
