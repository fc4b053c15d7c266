namespace DslFlow.Checkpointing;

/// <summary>
/// One state of a <see cref="CheckpointBarrierHandler"/> (Flink's <c>BarrierHandlerState</c>): it handles an event and
/// returns the next state. The handler filters barriers of ended channels first; a state drops what is stale for it.
/// States hold nothing but the barrier of the checkpoint they handle (the at-least-once tracker: its counts); what they
/// share lives in the handler.
/// </summary>
internal abstract class BarrierHandlerState
{
    /// <summary>A barrier of a channel that has not ended.</summary>
    public abstract BarrierHandlerState OnBarrier(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence);

    /// <summary>
    /// A cancel marker or the coordinator's abort of a checkpoint; <paramref name="how"/>
    /// ("was cancelled upstream", "was aborted") words the decline of a checkpoint it supersedes.
    /// </summary>
    public abstract BarrierHandlerState OnCancel(CheckpointBarrierHandler handler, long checkpointId, string how);

    /// <summary>A channel ended (for the first time).</summary>
    public abstract BarrierHandlerState OnEndOfInput(CheckpointBarrierHandler handler, int channel);

    /// <summary>The aligned timeout of a checkpoint elapsed.</summary>
    public virtual BarrierHandlerState OnAlignedTimeout(CheckpointBarrierHandler handler, long checkpointId) => this;

    /// <inheritdoc />
    public override string ToString() => GetType().Name;
}

/// <summary>Between checkpoints: the first barrier of a newer checkpoint starts it; a cancel of a newer one is remembered.</summary>
internal abstract class WaitingState : BarrierHandlerState
{
    public sealed override BarrierHandlerState OnBarrier(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence)
    {
        if (barrier.CheckpointId <= handler.CurrentCheckpointId)
        {
            return this; // a late barrier of a checkpoint that completed, was cancelled or was abandoned here, or older
        }
        handler.Start(barrier);
        return Begin(handler, barrier, channel, sequence);
    }

    public sealed override BarrierHandlerState OnCancel(CheckpointBarrierHandler handler, long checkpointId, string how) =>
        checkpointId > handler.CurrentCheckpointId ? handler.CancelAhead(checkpointId) : this;

    public sealed override BarrierHandlerState OnEndOfInput(CheckpointBarrierHandler handler, int channel) => this;

    /// <summary>The first barrier of the checkpoint that just became current.</summary>
    protected abstract BarrierHandlerState Begin(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence);
}

/// <summary>A checkpoint is in progress: handles a barrier, cancel or abort of a newer checkpoint, which supersedes it.</summary>
internal abstract class CheckpointInProgress(CheckpointBarrier barrier) : BarrierHandlerState
{
    /// <summary>The first barrier of the checkpoint in progress.</summary>
    public CheckpointBarrier Barrier { get; } = barrier;

    /// <summary>True while its channel state is being recorded (an abandon drops it).</summary>
    protected virtual bool Recording => false;

    public override BarrierHandlerState OnBarrier(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence)
    {
        if (barrier.CheckpointId < Barrier.CheckpointId)
        {
            return this; // stale
        }
        if (barrier.CheckpointId == Barrier.CheckpointId)
        {
            return OnCurrentBarrier(handler, barrier, channel, sequence);
        }
        handler.Abandon(Barrier.CheckpointId, SupersededBy(barrier), Recording);
        return handler.Idle.OnBarrier(handler, barrier, channel, sequence);
    }

    public override BarrierHandlerState OnCancel(CheckpointBarrierHandler handler, long checkpointId, string how)
    {
        if (checkpointId < Barrier.CheckpointId)
        {
            return this; // stale
        }
        if (checkpointId == Barrier.CheckpointId)
        {
            return handler.Cancel(checkpointId, Recording);
        }
        handler.Abandon(Barrier.CheckpointId, $"checkpoint {checkpointId} {how} during the alignment of {Barrier.CheckpointId}", Recording);
        return handler.CancelAhead(checkpointId);
    }

    /// <summary>Another channel's barrier of the checkpoint in progress.</summary>
    protected abstract BarrierHandlerState OnCurrentBarrier(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence);

    /// <summary>Why the checkpoint in progress is declined when <paramref name="newer"/> arrives.</summary>
    protected virtual string SupersededBy(CheckpointBarrier newer) =>
        $"barrier {newer.CheckpointId} arrived before every barrier of {Barrier.CheckpointId}";
}
