using System.Runtime.CompilerServices;
using DslFlow.Checkpointing;

namespace DslFlow.Execution;

/// <summary>
/// What the barrier state machine (<see cref="CheckpointBarrierHandler"/>) drives at a one-input task: the gate, the
/// channel state recorder and the subtask's checkpoint coordinator. The states decide; this only carries out.
/// </summary>
public abstract partial class OneInputStreamTask<TIn> : IBarrierHandlerActions
{
    private long _recordsAtAlignmentStart;

    DateTimeOffset IBarrierHandlerActions.Now => Context.Options.TimeProvider.GetUtcNow();

    void IBarrierHandlerActions.Block(int channel) => Gate.Block(channel);

    void IBarrierHandlerActions.Unblock(int channel) => Gate.Unblock(channel);

    void IBarrierHandlerActions.PromoteBarriers(long checkpointId) => Gate.PromoteBarriers(checkpointId);

    void IBarrierHandlerActions.AlignmentStarted(long checkpointId) => _recordsAtAlignmentStart = RecordsIn;

    void IBarrierHandlerActions.SnapshotAligned(CheckpointBarrier barrier, TimeSpan alignment) =>
        SubtaskCheckpoints.CheckpointAndForward(barrier, Figures(alignment));

    bool IBarrierHandlerActions.SnapshotUnaligned(CheckpointBarrier barrier, TimeSpan alignment)
    {
        if (!SubtaskCheckpoints.SnapshotUnaligned(barrier, Figures(alignment)))
        {
            return false;
        }
        // The unprocessed rest of the buffer in hand precedes every barrier of its channel: it is channel state.
        (int, long, TIn[])? rest = _current is not null && _position < _count
            ? (_currentChannel, _currentSequence, _current.AsSpan(_position, _count - _position).ToArray())
            : null;
        _channelState!.Start(rest);
        return true;
    }

    void IBarrierHandlerActions.RecordChannel(int channel, long sequence) => _channelState!.OnBarrier(channel, sequence);

    void IBarrierHandlerActions.CompleteChannel(int channel) => _channelState!.MarkDelivered(channel);

    void IBarrierHandlerActions.AcknowledgeChannelState(long checkpointId) =>
        SubtaskCheckpoints.AcknowledgeChannelState(checkpointId, _channelState!.Encode(_recordSerializer!, _input.Channels));

    void IBarrierHandlerActions.DropChannelState(long checkpointId)
    {
        _channelState!.Reset();
        SubtaskCheckpoints.DropChannelState(checkpointId);
    }

    void IBarrierHandlerActions.SendCancelMarker(long checkpointId) => ((ICheckpointedTask)this).SendCancelMarker(checkpointId);

    void IBarrierHandlerActions.Decline(long checkpointId, string reason) => SubtaskCheckpoints.Decline(checkpointId, reason);

    void IBarrierHandlerActions.ScheduleAlignedTimeout(long checkpointId, TimeSpan delay) => ScheduleAlignedTimeout(checkpointId, delay);

    /// <summary>
    /// A barrier with an aligned timeout was queued in order on one of this task's channels (on the sender's thread;
    /// the gate reports each checkpoint once). If it still waits behind buffers when the timeout elapses, the handler
    /// promotes it: a barrier stuck in a backpressured queue is late even on one channel.
    /// </summary>
    private void OnBarrierQueued(CheckpointBarrier barrier)
    {
        if (barrier.AlignedDeadline is { } deadline)
        {
            TimeSpan remaining = deadline - Context.Options.TimeProvider.GetUtcNow();
            ScheduleAlignedTimeout(barrier.CheckpointId, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
    }

    /// <summary>One timer per call, from any thread: it tells the handler on the task thread, which ignores a timeout that no longer matters.</summary>
    private void ScheduleAlignedTimeout(long checkpointId, TimeSpan delay)
    {
        var holder = new StrongBox<ITimer>();
        holder.Value = Context.Options.TimeProvider.CreateTimer(state =>
        {
            ((StrongBox<ITimer>)state!).Value?.Dispose();
            Post(() => Barriers.OnAlignedTimeout(checkpointId));
        }, holder, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        holder.Value.Change(delay, Timeout.InfiniteTimeSpan); // armed once assigned, so the callback always finds it to dispose
    }

    private AlignmentFigures Figures(TimeSpan alignment) => new(alignment, RecordsIn - _recordsAtAlignmentStart);
}
