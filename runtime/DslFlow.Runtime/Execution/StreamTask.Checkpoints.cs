using DslFlow.Channels;
using DslFlow.Checkpointing;

namespace DslFlow.Execution;

/// <summary>
/// Checkpoints at a task: the task hands every checkpoint step to its <see cref="SubtaskCheckpointCoordinator"/> and
/// offers it what to snapshot and where barriers go (<see cref="ICheckpointedTask"/>).
/// </summary>
public abstract partial class StreamTask : ICheckpointedTask
{
    /// <summary>The subtask's checkpoint work: snapshots, acknowledgements, notifications, the final checkpoint.</summary>
    private protected SubtaskCheckpointCoordinator SubtaskCheckpoints { get; }

    /// <summary>
    /// Called on the task thread when every input delivered barrier <paramref name="barrier"/> (or, for a source, when
    /// the checkpoint is triggered), before the barrier goes downstream: the point where the task's state is exactly
    /// the effect of the records before the barrier.
    /// </summary>
    protected virtual void OnCheckpoint(CheckpointBarrier barrier)
    {
    }

    /// <summary>The checkpoint completed everywhere and its metadata is stored: commit what it covers.</summary>
    protected virtual void OnCheckpointComplete(long checkpointId)
    {
    }

    /// <summary>The checkpoint was aborted: release what was prepared for it.</summary>
    protected virtual void OnCheckpointAborted(long checkpointId)
    {
    }

    /// <summary>True when the input ended and the task waits for a checkpoint that covers its final state (FLIP-147).</summary>
    public bool IsWaitingForFinalCheckpoint => SubtaskCheckpoints.IsWaitingForFinalCheckpoint;

    /// <summary>True once the task snapshotted its final state for a checkpoint (it ends when that one completes).</summary>
    internal bool HasFinalSnapshot => SubtaskCheckpoints.HasFinalSnapshot;

    /// <summary>A checkpoint reached a task that already ended: it acknowledges with its final state.</summary>
    internal void AcknowledgeAfterFinish(long checkpointId) => SubtaskCheckpoints.AcknowledgeAfterFinish(checkpointId);

    /// <summary>
    /// A checkpoint reached a task whose input ended: no barrier can arrive through its channels any more, so the
    /// coordinator hands it over directly (<see cref="SubtaskCheckpointCoordinator.SnapshotFinalState"/>).
    /// </summary>
    internal bool TriggerFinalSnapshot(CheckpointBarrier barrier) => Post(() => SubtaskCheckpoints.SnapshotFinalState(barrier));

    internal void NotifyCheckpointComplete(long checkpointId) => Post(() =>
    {
        if (SubtaskCheckpoints.NotifyComplete(checkpointId))
        {
            Complete(); // the checkpoint covering this task's final state is committed: the task may end
        }
    });

    /// <summary>The coordinator aborted a checkpoint (see <see cref="SubtaskCheckpointCoordinator.NotifyAborted"/>).</summary>
    internal void NotifyCheckpointAborted(long checkpointId) => Post(() => SubtaskCheckpoints.NotifyAborted(checkpointId));

    /// <summary>Lets a task with inputs stop aligning on an aborted checkpoint.</summary>
    private protected virtual void OnAbortNotified(long checkpointId)
    {
    }

    /// <summary>Sends partial buffers, then the event ahead of what is still queued, on every output channel.</summary>
    private protected void BroadcastPriority(ChannelEvent @event)
    {
        foreach (IOutput output in _outputs)
        {
            output.BroadcastPriority(@event);
        }
    }

    void ICheckpointedTask.PrepareSnapshot(CheckpointBarrier barrier) => OnCheckpoint(barrier);

    TaskSnapshot? ICheckpointedTask.SnapshotState(long checkpointId) => SnapshotStates(checkpointId);

    bool ICheckpointedTask.FailFromSnapshot(State.TaskStateException failure) => Post(() => throw Failed(failure));

    void ICheckpointedTask.ForwardBarrier(CheckpointBarrier barrier, BarrierRoute route)
    {
        switch (route)
        {
            case BarrierRoute.InOrder:
                BroadcastEvent(barrier);
                break;
            case BarrierRoute.Overtaking:
                BroadcastPriority(barrier); // receivers persist what it overtook
                break;
            default:
                foreach (IOutput output in _outputs)
                {
                    if (output.IsSink)
                    {
                        output.Broadcast(barrier); // sinks flush and pre-commit
                    }
                }
                break;
        }
    }

    void ICheckpointedTask.SendCancelMarker(long checkpointId) => BroadcastEvent(new CancelCheckpointMarker(checkpointId));

    /// <summary>True once every output's receivers took its end of input (everything the task sent was processed).</summary>
    bool ICheckpointedTask.OutputsDrained
    {
        get
        {
            foreach (IOutput output in _outputs)
            {
                if (!output.IsDrained)
                {
                    return false;
                }
            }
            return true;
        }
    }

    void ICheckpointedTask.CheckpointCompleted(long checkpointId)
    {
        foreach (IOutput output in _outputs)
        {
            output.NotifyCheckpointComplete(checkpointId);
        }
        _declaredStates?.NotifyCheckpointComplete(checkpointId);
        OnCheckpointComplete(checkpointId);
    }

    void ICheckpointedTask.CheckpointAborted(long checkpointId)
    {
        OnAbortNotified(checkpointId);
        foreach (IOutput output in _outputs)
        {
            output.NotifyCheckpointAborted(checkpointId);
        }
        _declaredStates?.NotifyCheckpointAborted(checkpointId);
        OnCheckpointAborted(checkpointId);
    }

    private static SubtaskCheckpointCoordinator CreateCheckpoints(StreamTask task, TaskContext context) =>
        new(task, new SubtaskIdentity(context.TaskName, context.ChainIndex, context.SubtaskIndex, context.Parallelism, context.MaxParallelism),
            context.Checkpointing, context.Options.TimeProvider, context.Cancellation);
}
