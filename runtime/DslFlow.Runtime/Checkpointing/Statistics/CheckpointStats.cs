namespace DslFlow.Checkpointing;

/// <summary>
/// The checkpoint statistics of a job at one moment (Flink's checkpoint statistics): counts over the job's life, the
/// recent history, and the latest completed, failed and restored checkpoint. From <c>JobHandle.CheckpointStats</c>;
/// also written as JSON to <c>checkpoint-stats.json</c> in the checkpoint directory each time a checkpoint ends.
/// </summary>
/// <param name="Counts">Checkpoints by outcome over the job's life, restarts included.</param>
/// <param name="History">The most recent checkpoints, oldest first (<see cref="CheckpointingOptions.StatsHistorySize"/> entries at most).</param>
/// <param name="LatestCompleted">The newest completed checkpoint, or null.</param>
/// <param name="LatestFailed">The newest failed or aborted checkpoint, or null.</param>
/// <param name="LatestRestored">The newest restore, or null when the job never restored a checkpoint.</param>
public sealed record CheckpointStats(CheckpointCounts Counts, IReadOnlyList<CheckpointRecord> History, CheckpointRecord? LatestCompleted,
    CheckpointRecord? LatestFailed, RestoredCheckpointStats? LatestRestored)
{
    /// <summary>The most recent restores, oldest first (as many as the history keeps).</summary>
    public IReadOnlyList<RestoredCheckpointStats> Restores { get; init; } = [];

    /// <summary>
    /// The most recent materializations of the changelog's subtasks, oldest first (as many as the history keeps); empty
    /// without the changelog (<see cref="PipelineOptions.Changelog"/>).
    /// </summary>
    public IReadOnlyList<MaterializationRecord> Materializations { get; init; } = [];

    /// <summary>Materializations that completed over the job's life (Flink's <c>numCompletedMaterialization</c>).</summary>
    public long CompletedMaterializations { get; init; }

    /// <summary>Materializations that failed over the job's life (Flink's <c>numFailedMaterialization</c>).</summary>
    public long FailedMaterializations { get; init; }
}

/// <summary>Checkpoints by outcome.</summary>
/// <param name="Completed">Completed checkpoints.</param>
/// <param name="Failed">Failed or aborted checkpoints.</param>
/// <param name="InProgress">Checkpoints in progress now.</param>
/// <param name="Restored">Restores (at start and after failures).</param>
public sealed record CheckpointCounts(long Completed, long Failed, long InProgress, long Restored)
{
    /// <summary>Every triggered checkpoint.</summary>
    public long Total => Completed + Failed + InProgress;
}

/// <summary>A restore of a checkpoint.</summary>
/// <param name="CheckpointId">The restored checkpoint.</param>
/// <param name="RestoredAt">When the job restored it.</param>
/// <param name="AtStart">True for the restore at start; false for one after a failure.</param>
public sealed record RestoredCheckpointStats(long CheckpointId, DateTimeOffset RestoredAt, bool AtStart);
