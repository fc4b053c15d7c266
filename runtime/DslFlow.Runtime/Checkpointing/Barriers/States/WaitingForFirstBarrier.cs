namespace DslFlow.Checkpointing;

/// <summary>
/// Aligned checkpoints, between two: the first barrier blocks its channel and starts collecting; with a single live
/// channel the snapshot happens at once.
/// </summary>
internal sealed class WaitingForFirstBarrier : WaitingState
{
    public static WaitingForFirstBarrier Instance { get; } = new();

    protected override BarrierHandlerState Begin(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence)
    {
        handler.DeliverAligned(channel);
        return handler.Channels.AllDelivered ? handler.SnapshotAligned(barrier) : new CollectingBarriers(barrier);
    }
}
