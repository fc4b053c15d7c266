namespace DslFlow.Checkpointing;

/// <summary>Where a checkpoint is in its life.</summary>
public enum CheckpointStatus
{
    /// <summary>Triggered; waiting for acknowledgements.</summary>
    InProgress,

    /// <summary>Every subtask acknowledged and the metadata was written.</summary>
    Completed,

    /// <summary>Expired, declined, or its storage failed.</summary>
    Failed,

    /// <summary>Subsumed by a newer completed checkpoint, or the job stopped.</summary>
    Aborted,
}

/// <summary>One checkpoint as the coordinator saw it.</summary>
/// <param name="Id">The checkpoint id.</param>
/// <param name="Status">Its status.</param>
/// <param name="TriggeredAt">When it was triggered.</param>
/// <param name="EndedAt">When it completed, failed or was aborted; null while in progress.</param>
/// <param name="Acknowledged">Subtasks that acknowledged it.</param>
/// <param name="Total">Subtasks that must acknowledge it.</param>
/// <param name="FailureReason">Why it failed or was aborted; null otherwise.</param>
public sealed record CheckpointRecord(long Id, CheckpointStatus Status, DateTimeOffset TriggeredAt, DateTimeOffset? EndedAt,
    int Acknowledged, int Total, string? FailureReason)
{
    /// <summary>Trigger to end, or null while in progress.</summary>
    public TimeSpan? Duration => EndedAt - TriggeredAt;
}
