namespace DslFlow.Checkpointing;

/// <summary>
/// An unaligned checkpoint after its snapshot: every channel records the buffers before its barrier that the snapshot
/// did not see; each barrier completes its channel, an end of input too; the last one acknowledges with the channel state.
/// </summary>
internal sealed class CollectingBarriersUnaligned(CheckpointBarrier barrier) : CheckpointInProgress(barrier)
{
    protected override bool Recording => true;

    public override BarrierHandlerState OnEndOfInput(CheckpointBarrierHandler handler, int channel)
    {
        if (!handler.Channels.Delivered(channel))
        {
            handler.Actions.CompleteChannel(channel); // everything taken from it since the snapshot preceded the barrier it never sent
        }
        return handler.Channels.AllDelivered ? handler.AcknowledgeChannelState(Barrier.CheckpointId) : this;
    }

    public override BarrierHandlerState OnAlignedTimeout(CheckpointBarrierHandler handler, long checkpointId)
    {
        if (checkpointId >= Barrier.CheckpointId)
        {
            handler.Actions.PromoteBarriers(checkpointId); // barriers of it still queued behind buffers overtake them too
        }
        return this;
    }

    protected override BarrierHandlerState OnCurrentBarrier(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence)
    {
        if (handler.Channels.Deliver(channel, sequence))
        {
            handler.Actions.RecordChannel(channel, sequence);
        }
        return handler.Channels.AllDelivered ? handler.AcknowledgeChannelState(Barrier.CheckpointId) : this;
    }
}
