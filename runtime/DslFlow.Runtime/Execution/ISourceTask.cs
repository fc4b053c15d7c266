namespace DslFlow.Execution;

/// <summary>Tasks whose chain head is a source: checkpoints start there.</summary>
internal interface ISourceTask
{
    /// <summary>Injects a checkpoint barrier between two records; false when the task no longer runs.</summary>
    bool TriggerCheckpoint(Checkpointing.CheckpointBarrier barrier);
}
