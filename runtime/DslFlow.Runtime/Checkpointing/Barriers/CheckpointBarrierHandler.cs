using System.Diagnostics;

namespace DslFlow.Checkpointing;

/// <summary>
/// The barrier state machine of one task with inputs (Flink's <c>SingleCheckpointBarrierHandler</c>): barriers, cancel
/// markers, the coordinator's aborts, ends of input and aligned timeouts go to the current
/// <see cref="BarrierHandlerState"/>, which acts through <see cref="IBarrierHandlerActions"/> and returns the next state.
/// The handler holds what every state shares: the newest checkpoint seen here (<see cref="CurrentCheckpointId"/>; a
/// barrier of it or of an older one starts nothing) and which channel delivered or ended (<see cref="ChannelBarriers"/>).
/// Checkpoint ids increase, so a barrier, cancel marker or abort of a newer checkpoint supersedes the one in progress.
/// Used on the task thread only.
/// </summary>
internal sealed class CheckpointBarrierHandler
{
    private readonly Stopwatch _alignment = new();
    private BarrierHandlerState _state;

    public CheckpointBarrierHandler(int channelCount, CheckpointAlignment alignment, IReadOnlyList<bool>? staysAligned, IBarrierHandlerActions actions)
    {
        ArgumentNullException.ThrowIfNull(alignment);
        Actions = actions ?? throw new ArgumentNullException(nameof(actions));
        Alignment = alignment;
        // Forward and broadcast channels stay aligned only where barriers may overtake; elsewhere every channel aligns.
        Channels = new ChannelBarriers(channelCount, alignment.PersistsChannelState ? staysAligned : null);
        Idle = alignment.IsUnaligned ? WaitingForFirstBarrierUnaligned.Instance
            : alignment.Timeout is not null ? AlternatingWaitingForFirstBarrier.Instance
            : alignment.Mode == CheckpointingMode.AtLeastOnce ? new TrackingBarriers(channelCount)
            : WaitingForFirstBarrier.Instance;
        _state = Idle;
    }

    /// <summary>The newest checkpoint whose barrier, cancel marker or abort reached this task; -1 before the first.</summary>
    public long CurrentCheckpointId { get; private set; } = -1;

    /// <summary>The state the handler is in.</summary>
    public BarrierHandlerState State => _state;

    /// <summary>How the job's checkpoints are aligned.</summary>
    public CheckpointAlignment Alignment { get; }

    internal ChannelBarriers Channels { get; }

    internal IBarrierHandlerActions Actions { get; }

    /// <summary>The state between checkpoints: waiting for the first barrier of the next one.</summary>
    internal BarrierHandlerState Idle { get; }

    /// <summary>A barrier arrived on <paramref name="channel"/> with sequence number <paramref name="sequence"/>.</summary>
    public void OnBarrier(CheckpointBarrier barrier, int channel, long sequence)
    {
        if (Channels.Ended(channel))
        {
            return; // behind the channel's end of input (a finished upstream still in the protocol)
        }
        _state = _state.OnBarrier(this, barrier, channel, sequence);
    }

    /// <summary>An upstream task cancelled the checkpoint.</summary>
    public void OnCancelMarker(long checkpointId) => _state = _state.OnCancel(this, checkpointId, "was cancelled upstream");

    /// <summary>The coordinator aborted the checkpoint (expired, declined elsewhere, failed or subsumed).</summary>
    public void OnAbort(long checkpointId) => _state = _state.OnCancel(this, checkpointId, "was aborted");

    /// <summary>A channel ended: it owes no barrier any more.</summary>
    public void OnEndOfInput(int channel)
    {
        if (Channels.End(channel))
        {
            _state = _state.OnEndOfInput(this, channel);
        }
    }

    /// <summary>The aligned timeout of <paramref name="checkpointId"/> elapsed (scheduled by a state or by a queued barrier).</summary>
    public void OnAlignedTimeout(long checkpointId) => _state = _state.OnAlignedTimeout(this, checkpointId);

    /// <summary>The first barrier of a newer checkpoint: it becomes the current one.</summary>
    internal void Start(CheckpointBarrier barrier)
    {
        CurrentCheckpointId = barrier.CheckpointId;
        _alignment.Restart();
        Actions.AlignmentStarted(barrier.CheckpointId);
    }

    /// <summary>Marks a channel's barrier delivered in order and blocks the channel.</summary>
    internal void DeliverAligned(int channel)
    {
        if (Channels.Deliver(channel, ChannelBarriers.InOrder))
        {
            Block(channel);
        }
    }

    internal void Block(int channel)
    {
        Channels.MarkBlocked(channel, true);
        Actions.Block(channel);
    }

    /// <summary>Ends the current checkpoint here: blocked channels flow again, deliveries are forgotten.</summary>
    internal BarrierHandlerState End()
    {
        UnblockAll();
        Channels.Reset();
        return Idle;
    }

    private void UnblockAll()
    {
        for (int c = 0; c < Channels.Count; c++)
        {
            if (Channels.IsBlocked(c))
            {
                Channels.MarkBlocked(c, false);
                Actions.Unblock(c);
            }
        }
    }

    /// <summary>Every channel delivered the barrier: snapshot and forward it.</summary>
    internal BarrierHandlerState SnapshotAligned(CheckpointBarrier barrier)
    {
        TimeSpan alignment = _alignment.Elapsed;
        BarrierHandlerState idle = End();
        Actions.SnapshotAligned(barrier, alignment);
        return idle;
    }

    /// <summary>
    /// The first unaligned barrier of the current checkpoint arrived: snapshot at once, or once the forward and
    /// broadcast channels delivered theirs in order (until then every channel that delivered is blocked).
    /// </summary>
    internal BarrierHandlerState BeginUnaligned(CheckpointBarrier barrier, int channel, long sequence)
    {
        Channels.Deliver(channel, sequence);
        BarrierHandlerState next;
        if (Channels.AlignedChannelOwes)
        {
            Block(channel);
            next = new WaitingForAlignedChannels(barrier);
        }
        else
        {
            next = SnapshotUnaligned(barrier);
        }
        if (next != Idle && Alignment.Timeout is not null)
        {
            Actions.PromoteBarriers(barrier.CheckpointId); // its barriers still queued here overtake their buffers too
        }
        return next;
    }

    /// <summary>
    /// Snapshots the current checkpoint unaligned: a channel that delivered in order (or stays aligned) owes no channel
    /// state; one whose barrier overtook buffers records them; the others record until their barrier arrives.
    /// </summary>
    internal BarrierHandlerState SnapshotUnaligned(CheckpointBarrier barrier)
    {
        if (!Actions.SnapshotUnaligned(barrier, _alignment.Elapsed))
        {
            return End(); // aborted or taken already: the channels it blocked flow again
        }
        for (int c = 0; c < Channels.Count; c++)
        {
            if (!Channels.Delivered(c) || Channels.Ended(c))
            {
                continue;
            }
            if (Channels.Sequence(c) == ChannelBarriers.InOrder || Channels.StaysAligned(c))
            {
                Actions.CompleteChannel(c);
            }
            else
            {
                Actions.RecordChannel(c, Channels.Sequence(c)); // the buffers it overtook are still queued
            }
        }
        UnblockAll(); // what they sent after their barrier is after the snapshot now
        return Channels.AllDelivered ? AcknowledgeChannelState(barrier.CheckpointId) : new CollectingBarriersUnaligned(barrier);
    }

    /// <summary>The aligned timeout elapsed during the alignment of <paramref name="barrier"/>: continue it unaligned.</summary>
    internal BarrierHandlerState SwitchToUnaligned(CheckpointBarrier barrier)
    {
        BarrierHandlerState next;
        if (Channels.AlignedChannelOwes)
        {
            next = new WaitingForAlignedChannels(barrier); // the channels that delivered stay blocked until then
        }
        else
        {
            next = SnapshotUnaligned(barrier);
        }
        Actions.PromoteBarriers(barrier.CheckpointId); // the barriers still owed overtake their queues, upstream output too
        return next;
    }

    /// <summary>Every channel's barrier of the unaligned checkpoint arrived: acknowledge it with its channel state.</summary>
    internal BarrierHandlerState AcknowledgeChannelState(long checkpointId)
    {
        BarrierHandlerState idle = End();
        Actions.AcknowledgeChannelState(checkpointId);
        return idle;
    }

    /// <summary>The current checkpoint was cancelled (marker or abort): it ends here and downstream hears of it.</summary>
    internal BarrierHandlerState Cancel(long checkpointId, bool recording)
    {
        if (recording)
        {
            Actions.DropChannelState(checkpointId);
        }
        BarrierHandlerState idle = End();
        Actions.SendCancelMarker(checkpointId);
        return idle;
    }

    /// <summary>
    /// The current checkpoint cannot complete any more (a newer one started or was cancelled): it ends here, downstream
    /// and the coordinator hear why.
    /// </summary>
    internal void Abandon(long checkpointId, string reason, bool recording)
    {
        if (recording)
        {
            Actions.DropChannelState(checkpointId);
        }
        End();
        Actions.SendCancelMarker(checkpointId);
        Actions.Decline(checkpointId, reason);
    }

    /// <summary>A checkpoint newer than every one seen here was cancelled before its first barrier: its barriers start nothing.</summary>
    internal BarrierHandlerState CancelAhead(long checkpointId)
    {
        CurrentCheckpointId = checkpointId;
        Actions.SendCancelMarker(checkpointId);
        return Idle;
    }

    /// <summary>Schedules the aligned timeout of <paramref name="barrier"/> at its deadline; false when the deadline passed.</summary>
    internal bool ScheduleTimeout(CheckpointBarrier barrier)
    {
        TimeSpan remaining = (barrier.AlignedDeadline ?? DateTimeOffset.MaxValue) - Actions.Now;
        if (remaining <= TimeSpan.Zero)
        {
            return false;
        }
        if (barrier.AlignedDeadline is not null)
        {
            Actions.ScheduleAlignedTimeout(barrier.CheckpointId, remaining);
        }
        return true;
    }
}
