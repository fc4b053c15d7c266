namespace DslFlow.Checkpointing;

/// <summary>
/// An aligned checkpoint with a timeout, aligning: as <see cref="CollectingBarriers"/>, but it continues unaligned when
/// its timeout elapses or when an overtaking barrier of it arrives (an upstream task switched first); an overtaking
/// barrier of a newer checkpoint abandons it.
/// </summary>
internal sealed class AlternatingCollectingBarriers(CheckpointBarrier barrier) : CollectingBarriers(barrier)
{
    public override BarrierHandlerState OnBarrier(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence)
    {
        if (!barrier.IsUnaligned || barrier.CheckpointId != Barrier.CheckpointId)
        {
            return base.OnBarrier(handler, barrier, channel, sequence);
        }
        BarrierHandlerState next = handler.SwitchToUnaligned(Barrier);
        return next == handler.Idle ? next : next.OnBarrier(handler, barrier, channel, sequence);
    }

    public override BarrierHandlerState OnAlignedTimeout(CheckpointBarrierHandler handler, long checkpointId)
    {
        if (checkpointId == Barrier.CheckpointId)
        {
            return handler.SwitchToUnaligned(Barrier);
        }
        if (checkpointId > Barrier.CheckpointId)
        {
            handler.Actions.PromoteBarriers(checkpointId); // a newer checkpoint's barriers wait in queues: they overtake, and supersede this one
        }
        return this;
    }

    protected override string SupersededBy(CheckpointBarrier newer) => newer.IsUnaligned
        ? $"barrier {newer.CheckpointId} overtook the alignment of {Barrier.CheckpointId}"
        : base.SupersededBy(newer);
}
