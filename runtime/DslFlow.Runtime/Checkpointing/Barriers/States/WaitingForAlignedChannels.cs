namespace DslFlow.Checkpointing;

/// <summary>
/// An unaligned checkpoint whose snapshot waits for the forward and broadcast channels: their barriers travel in order,
/// so their in-flight records are processed before the snapshot and never become channel state (a rescale could not
/// split them). Every channel that delivered the barrier — in order or overtaking — is blocked until the snapshot, so
/// nothing sent after a barrier reaches it; the buffers an overtaking barrier passed stay queued and become channel state.
/// </summary>
internal sealed class WaitingForAlignedChannels(CheckpointBarrier barrier) : CheckpointInProgress(barrier)
{
    public override BarrierHandlerState OnEndOfInput(CheckpointBarrierHandler handler, int channel) =>
        handler.Channels.AlignedChannelOwes ? this : handler.SnapshotUnaligned(Barrier);

    public override BarrierHandlerState OnAlignedTimeout(CheckpointBarrierHandler handler, long checkpointId)
    {
        if (checkpointId >= Barrier.CheckpointId)
        {
            handler.Actions.PromoteBarriers(checkpointId);
        }
        return this;
    }

    protected override BarrierHandlerState OnCurrentBarrier(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence)
    {
        if (handler.Channels.Deliver(channel, sequence))
        {
            handler.Block(channel);
        }
        return handler.Channels.AlignedChannelOwes ? this : handler.SnapshotUnaligned(Barrier);
    }
}
