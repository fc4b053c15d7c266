namespace DslFlow.Checkpointing;

/// <summary>
/// Unaligned checkpoints, between two: the first barrier snapshots the task at once (or once the forward and broadcast
/// channels delivered theirs) and starts recording channel state.
/// </summary>
internal sealed class WaitingForFirstBarrierUnaligned : WaitingState
{
    public static WaitingForFirstBarrierUnaligned Instance { get; } = new();

    protected override BarrierHandlerState Begin(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence) =>
        handler.BeginUnaligned(barrier, channel, sequence);
}
