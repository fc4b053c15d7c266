namespace DslFlow.Checkpointing;

/// <summary>
/// The task as its <see cref="SubtaskCheckpointCoordinator"/> sees it (Flink's operator chain): what to snapshot, where to
/// send barriers, whom to tell how checkpoints ended. Called on the task thread.
/// </summary>
internal interface ICheckpointedTask
{
    /// <summary>The point where the task's state is exactly the effect of the records before the barrier (the task's hook).</summary>
    void PrepareSnapshot(CheckpointBarrier barrier);

    /// <summary>
    /// The synchronous part of a snapshot of every state the task declares (keyed state frozen, not yet serialized);
    /// null when there is none.
    /// </summary>
    TaskSnapshot? SnapshotState(long checkpointId);

    /// <summary>
    /// The asynchronous part of a snapshot failed in a way that will repeat (a serializer refused a value): the task
    /// fails. False when the task no longer runs.
    /// </summary>
    bool FailFromSnapshot(State.TaskStateException failure);

    /// <summary>Sends the barrier to the task's outputs along <paramref name="route"/>.</summary>
    void ForwardBarrier(CheckpointBarrier barrier, BarrierRoute route);

    /// <summary>Tells downstream to stop aligning on the checkpoint.</summary>
    void SendCancelMarker(long checkpointId);

    /// <summary>True once every output's receivers took its end of input.</summary>
    bool OutputsDrained { get; }

    /// <summary>The checkpoint completed everywhere: outputs and user code commit what it covers.</summary>
    void CheckpointCompleted(long checkpointId);

    /// <summary>The checkpoint was aborted: the barrier handler, outputs and user code release what was prepared for it.</summary>
    void CheckpointAborted(long checkpointId);
}

/// <summary>How a barrier leaves a task.</summary>
internal enum BarrierRoute
{
    /// <summary>Behind every record sent so far, on every output.</summary>
    InOrder,

    /// <summary>Ahead of the records still queued on every output (receivers persist what it overtook); sinks get it in order.</summary>
    Overtaking,

    /// <summary>To chained sinks only (they flush and pre-commit): the receivers took the task's end of input and owe no barrier.</summary>
    SinksOnly,
}
