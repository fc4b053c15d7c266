namespace DslFlow.Checkpointing;

/// <summary>
/// What a <see cref="CheckpointBarrierHandler"/> drives at its task: the input gate, the snapshot and its channel state,
/// the barrier protocol downstream, and the coordinator. The task implements it over its gate and its
/// <see cref="SubtaskCheckpointCoordinator"/>; tests implement it with a recording fake and drive the handler event by
/// event, synchronously (Flink's <c>CheckpointableInput</c>, <c>SubtaskCheckpointCoordinator</c> and channel state writer
/// behind <c>SingleCheckpointBarrierHandler</c>). Every call happens on the task thread.
/// </summary>
internal interface IBarrierHandlerActions
{
    /// <summary>The current time, to tell how much of an aligned checkpoint's timeout is left.</summary>
    DateTimeOffset Now { get; }

    /// <summary>Stops taking from a channel: what it sent after its barrier must not reach the snapshot.</summary>
    void Block(int channel);

    /// <summary>Resumes taking from a blocked channel.</summary>
    void Unblock(int channel);

    /// <summary>The barrier of <paramref name="checkpointId"/>, queued or still to come on any channel, overtakes the buffers before it.</summary>
    void PromoteBarriers(long checkpointId);

    /// <summary>The first barrier of a checkpoint arrived: the figures of its alignment start now.</summary>
    void AlignmentStarted(long checkpointId);

    /// <summary>Every channel delivered the barrier: snapshot, send the barrier downstream behind every record sent, acknowledge.</summary>
    void SnapshotAligned(CheckpointBarrier barrier, TimeSpan alignment);

    /// <summary>
    /// Snapshots for an unaligned checkpoint, sends the barrier downstream ahead of the queued output, and starts recording
    /// the channel state of every channel that has not ended (first the unprocessed rest of the buffer in hand). False when
    /// the snapshot was skipped (the checkpoint was aborted, or taken here already): nothing is recorded then.
    /// </summary>
    bool SnapshotUnaligned(CheckpointBarrier barrier, TimeSpan alignment);

    /// <summary>The channel's barrier (sequence <paramref name="sequence"/>) arrived: the buffers before it that were not processed before the snapshot are its state.</summary>
    void RecordChannel(int channel, long sequence);

    /// <summary>The channel owes no channel state: it delivered its barrier in order before the snapshot, or it ended.</summary>
    void CompleteChannel(int channel);

    /// <summary>Every channel's state is recorded: encode it and acknowledge the unaligned checkpoint.</summary>
    void AcknowledgeChannelState(long checkpointId);

    /// <summary>The unaligned checkpoint in progress cannot complete here: drop its recording and its pending acknowledgement.</summary>
    void DropChannelState(long checkpointId);

    /// <summary>Tells downstream to stop aligning on the checkpoint.</summary>
    void SendCancelMarker(long checkpointId);

    /// <summary>Tells the coordinator this subtask cannot take the checkpoint, and why.</summary>
    void Decline(long checkpointId, string reason);

    /// <summary>Calls <see cref="CheckpointBarrierHandler.OnAlignedTimeout"/> for the checkpoint on the task thread after <paramref name="delay"/>.</summary>
    void ScheduleAlignedTimeout(long checkpointId, TimeSpan delay);
}
