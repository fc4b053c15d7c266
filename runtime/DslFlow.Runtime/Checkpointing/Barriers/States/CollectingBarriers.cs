namespace DslFlow.Checkpointing;

/// <summary>
/// An aligned checkpoint whose first barrier arrived: each channel that delivers the barrier is blocked until every
/// live channel did; then the task snapshots and forwards the barrier.
/// </summary>
internal class CollectingBarriers(CheckpointBarrier barrier) : CheckpointInProgress(barrier)
{
    public override BarrierHandlerState OnEndOfInput(CheckpointBarrierHandler handler, int channel) =>
        handler.Channels.AllDelivered ? handler.SnapshotAligned(Barrier) : this;

    protected override BarrierHandlerState OnCurrentBarrier(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence)
    {
        handler.DeliverAligned(channel);
        return handler.Channels.AllDelivered ? handler.SnapshotAligned(Barrier) : this;
    }

    protected override string SupersededBy(CheckpointBarrier newer) =>
        $"barrier {newer.CheckpointId} arrived before the alignment of {Barrier.CheckpointId} completed";
}
