namespace DslFlow.Execution;

/// <summary>
/// A restored reader that may have dropped, on purpose, the input its checkpointed batch came from (a
/// <see cref="FileLineSource"/> file skipped because it changed, with <see cref="FileLineSource.SkipChangedFiles"/>).
/// The records of that batch emitted before the checkpoint are then not among what the reader returns, so the task
/// must not drop that many records of what follows.
/// </summary>
internal interface IRestoredBatchDrop
{
    /// <summary>True when the reader will not return the checkpointed batch again.</summary>
    bool DroppedRestoredBatch { get; }
}
