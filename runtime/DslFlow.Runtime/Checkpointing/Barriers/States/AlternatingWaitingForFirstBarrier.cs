namespace DslFlow.Checkpointing;

/// <summary>
/// Aligned checkpoints with a timeout, between two: an aligned first barrier starts the alignment and its timer (or
/// switches at once when the timeout passed already); an overtaking one — an upstream task switched first — starts the
/// checkpoint unaligned. A timeout of a checkpoint not seen yet promotes its queued barriers.
/// </summary>
internal sealed class AlternatingWaitingForFirstBarrier : WaitingState
{
    public static AlternatingWaitingForFirstBarrier Instance { get; } = new();

    public override BarrierHandlerState OnAlignedTimeout(CheckpointBarrierHandler handler, long checkpointId)
    {
        if (checkpointId > handler.CurrentCheckpointId)
        {
            handler.Actions.PromoteBarriers(checkpointId); // its barriers wait in queues here: every one overtakes its queue
        }
        return this;
    }

    protected override BarrierHandlerState Begin(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence)
    {
        if (barrier.IsUnaligned)
        {
            return handler.BeginUnaligned(barrier, channel, sequence);
        }
        handler.DeliverAligned(channel);
        if (handler.Channels.AllDelivered)
        {
            return handler.SnapshotAligned(barrier);
        }
        return handler.ScheduleTimeout(barrier) ? new AlternatingCollectingBarriers(barrier) : handler.SwitchToUnaligned(barrier);
    }
}
