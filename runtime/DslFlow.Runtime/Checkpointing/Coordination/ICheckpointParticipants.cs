namespace DslFlow.Checkpointing;

/// <summary>What the coordinator drives: the job's subtasks and its checkpoint storage.</summary>
internal interface ICheckpointParticipants
{
    /// <summary>Subtasks that must acknowledge every checkpoint (numbered 0..n-1).</summary>
    int SubtaskCount { get; }

    /// <summary>Injects the barrier at every running source subtask.</summary>
    void InjectBarrier(CheckpointBarrier barrier);

    /// <summary>Writes the completed checkpoint's metadata (last, atomically).</summary>
    Task PersistAsync(long checkpointId, DateTimeOffset triggeredAt, IReadOnlyList<IReadOnlyList<StateHandle>> stateBySubtask);

    /// <summary>Tells every subtask the checkpoint completed (sinks commit).</summary>
    void NotifyComplete(long checkpointId);

    /// <summary>A checkpoint completed, failed or was aborted (the job may need another one to commit its last records).</summary>
    void CheckpointEnded();

    /// <summary>Tells every subtask the checkpoint was aborted (release its resources, skip its late barriers).</summary>
    void NotifyAborted(long checkpointId);
}
