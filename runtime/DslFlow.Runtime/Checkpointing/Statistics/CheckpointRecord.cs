namespace DslFlow.Checkpointing;

/// <summary>Where a checkpoint is in its life.</summary>
public enum CheckpointStatus
{
    /// <summary>Triggered; waiting for acknowledgements.</summary>
    InProgress,

    /// <summary>Every subtask acknowledged and the metadata was written.</summary>
    Completed,

    /// <summary>Expired, declined, or its storage failed (see <see cref="CheckpointRecord.FailureCategory"/>).</summary>
    Failed,

    /// <summary>Subsumed by a newer completed checkpoint, or the job stopped.</summary>
    Aborted,
}

/// <summary>
/// One checkpoint as the coordinator saw it (Flink's checkpoint statistics): timing, size, acknowledgements, and for a
/// checkpoint that did not complete, when and why.
/// </summary>
/// <param name="Id">The checkpoint id.</param>
/// <param name="Status">Its status.</param>
/// <param name="TriggeredAt">When it was triggered.</param>
/// <param name="EndedAt">When it completed, failed or was aborted; null while in progress.</param>
/// <param name="Acknowledged">Subtasks that acknowledged it (declines do not count).</param>
/// <param name="Total">Subtasks that must acknowledge it.</param>
/// <param name="FailureReason">Why it failed or was aborted; null otherwise.</param>
public sealed record CheckpointRecord(long Id, CheckpointStatus Status, DateTimeOffset TriggeredAt, DateTimeOffset? EndedAt,
    int Acknowledged, int Total, string? FailureReason)
{
    /// <summary>Trigger to end (end-to-end duration), or null while in progress.</summary>
    public TimeSpan? Duration => EndedAt - TriggeredAt;

    /// <summary>When the latest acknowledgement arrived, or null before the first.</summary>
    public DateTimeOffset? LatestAcknowledgedAt { get; init; }

    /// <summary>Bytes of state the acknowledged subtasks wrote.</summary>
    public long StateSize { get; init; }

    /// <summary>
    /// Bytes of every state file the completed checkpoint references, each file once, shared files too (Flink's "full
    /// checkpoint data size"): what a restore reads at most. 0 until it completed.
    /// </summary>
    public long FullSize { get; init; }

    /// <summary>
    /// Bytes of the files the completed checkpoint references that the previous completed checkpoint of this run did not
    /// (Flink's "checkpointed data size"): what it added. Equal to <see cref="FullSize"/> without shared state (every file
    /// is new); far smaller with the changelog, whose checkpoints reuse the materialization and earlier log files.
    /// </summary>
    public long IncrementalSize { get; init; }

    /// <summary>Records the subtasks processed between their first and last barrier (while aligning).</summary>
    public long ProcessedInFlightRecords { get; init; }

    /// <summary>Bytes of in-flight data persisted with the checkpoint (unaligned checkpoints only; 0 when aligned).</summary>
    public long PersistedInFlightBytes { get; init; }

    /// <summary>True when any subtask took the checkpoint unaligned.</summary>
    public bool IsUnaligned { get; init; }

    /// <summary>For a failed or aborted checkpoint, what kind of failure; null otherwise.</summary>
    public CheckpointFailureCategory? FailureCategory { get; init; }

    /// <summary>Per-subtask figures of the subtasks that acknowledged or declined, by task name and subtask index.</summary>
    public IReadOnlyList<SubtaskCheckpointStats> Subtasks { get; init; } = [];
}

/// <summary>One subtask's part of a checkpoint.</summary>
/// <param name="TaskName">The task (chain) name.</param>
/// <param name="SubtaskIndex">The subtask index.</param>
/// <param name="AcknowledgedAt">When its acknowledgement (or decline) reached the coordinator.</param>
/// <param name="SyncDuration">The synchronous part of its snapshot (copying state, sealing sink transactions).</param>
/// <param name="AsyncDuration">The asynchronous part (writing its state file).</param>
/// <param name="AlignmentDuration">From its first barrier to its last (0 for sources).</param>
/// <param name="StartDelay">From the trigger to its first barrier.</param>
/// <param name="StateSize">Bytes of state it wrote.</param>
/// <param name="ProcessedInFlightRecords">Records it processed while aligning.</param>
/// <param name="PersistedInFlightBytes">In-flight bytes it persisted (unaligned only).</param>
/// <param name="Unaligned">True when it took the checkpoint unaligned.</param>
/// <param name="Aborted">True when it declined or aborted the checkpoint instead of acknowledging it.</param>
public sealed record SubtaskCheckpointStats(string TaskName, int SubtaskIndex, DateTimeOffset AcknowledgedAt, TimeSpan SyncDuration,
    TimeSpan AsyncDuration, TimeSpan AlignmentDuration, TimeSpan StartDelay, long StateSize, long ProcessedInFlightRecords,
    long PersistedInFlightBytes, bool Unaligned, bool Aborted);

/// <summary>
/// Why a checkpoint did not complete. Only <see cref="Expired"/>, <see cref="AsyncPhaseFailed"/> and
/// <see cref="StorageFailed"/> count against <c>TolerableFailedCheckpoints</c> (as in Flink); a failure in the
/// synchronous phase fails the task itself, which restarts the job.
/// </summary>
public enum CheckpointFailureCategory
{
    /// <summary>It did not complete within the checkpoint timeout.</summary>
    Expired,

    /// <summary>A subtask failed while writing its state (the asynchronous phase).</summary>
    AsyncPhaseFailed,

    /// <summary>Completing it failed: the checkpoint storage could not write its metadata.</summary>
    StorageFailed,

    /// <summary>A subtask saw the next checkpoint's barrier before this one aligned, or a cancel marker.</summary>
    Declined,

    /// <summary>A newer checkpoint completed first.</summary>
    Subsumed,

    /// <summary>The job (or its current run) stopped: failure, restart or cancellation.</summary>
    JobStopped,
}

/// <summary>How checkpoint failure categories are counted.</summary>
public static class CheckpointFailureCategories
{
    /// <summary>True when a failure of this category counts against <c>TolerableFailedCheckpoints</c>.</summary>
    public static bool CountsAgainstTolerance(this CheckpointFailureCategory category) =>
        category is CheckpointFailureCategory.Expired or CheckpointFailureCategory.AsyncPhaseFailed or CheckpointFailureCategory.StorageFailed;

    /// <summary>The status a checkpoint ends with for this category: subsumed and stopped ones are aborted, others failed.</summary>
    public static CheckpointStatus Status(this CheckpointFailureCategory category) =>
        category is CheckpointFailureCategory.Subsumed or CheckpointFailureCategory.JobStopped ? CheckpointStatus.Aborted : CheckpointStatus.Failed;
}
