namespace DslFlow.Checkpointing;

/// <summary>
/// How a subtask answers the job's checkpoint coordinator (Flink's <c>CheckpointResponder</c>): the whole task ↔
/// coordinator protocol in one interface, so that it can later be carried over a network. Calls may come from any
/// thread (an acknowledgement comes from the asynchronous write).
/// </summary>
internal interface ICheckpointResponder
{
    /// <summary>The subtask's snapshot of the checkpoint is written: its handles and figures.</summary>
    void Acknowledge(long checkpointId, IReadOnlyList<StateHandle> state, SubtaskCheckpointStats stats);

    /// <summary>The subtask cannot take the checkpoint: why, and the figures when it got as far as writing.</summary>
    void Decline(long checkpointId, string reason, CheckpointFailureCategory category, SubtaskCheckpointStats? stats);

    /// <summary>The subtask's input ended: it waits for a checkpoint that covers its final state.</summary>
    void ReportInputEnded();
}
