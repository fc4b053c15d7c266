namespace DslFlow;

/// <summary>
/// Implemented by a source reader or sink writer that wants to hear how checkpoints end (Flink's
/// <c>CheckpointListener</c>): completed everywhere and stored, or aborted (expired, declined, failed, subsumed).
/// Called on the subtask's thread, between records; an abort can arrive before, during or after the subtask took
/// its part of the checkpoint, and may be repeated: implementations must be idempotent.
/// </summary>
public interface ICheckpointListener
{
    /// <summary>Checkpoint <paramref name="checkpointId"/> completed: everything it covers is durable.</summary>
    void OnCheckpointComplete(long checkpointId);

    /// <summary>Checkpoint <paramref name="checkpointId"/> will never complete: release what was prepared for it.</summary>
    void OnCheckpointAborted(long checkpointId);
}
