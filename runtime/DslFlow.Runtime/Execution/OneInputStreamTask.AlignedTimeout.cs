using DslFlow.Checkpointing;

namespace DslFlow.Execution;

/// <summary>
/// The aligned-checkpoint timeout (Flink 1.13): a checkpoint starts aligned and switches to unaligned at this task when
/// its alignment is not done <c>T</c> after the trigger, or when one of its barriers still waits in a queue then.
/// </summary>
public abstract partial class OneInputStreamTask<TIn>
{
    private ITimer? _alignmentTimer;
    private long _timedCheckpoint = -1;

    /// <summary>
    /// The first barrier of an aligned checkpoint arrived in timeout mode: if its alignment is not done
    /// <c>max(T − (now − trigger), 0)</c> from now, the checkpoint switches to unaligned (at once when already late).
    /// </summary>
    private void StartAlignmentTimer(CheckpointBarrier barrier, TimeSpan timeout)
    {
        StopAlignmentTimer();
        TimeProvider time = Context.Options.TimeProvider;
        TimeSpan remaining = timeout - (time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(barrier.Timestamp));
        long id = barrier.CheckpointId;
        if (remaining <= TimeSpan.Zero)
        {
            SwitchToUnaligned();
            return;
        }
        _alignmentTimer = time.CreateTimer(_ => Post(() =>
        {
            if (Barriers.IsPending && Barriers.CurrentCheckpointId == id)
            {
                SwitchToUnaligned();
            }
        }), null, remaining, Timeout.InfiniteTimeSpan);
    }

    private long _watchedBarrier = -1;

    /// <summary>
    /// A barrier was queued in order on one of this task's channels (sender's thread). If it still waits behind
    /// buffers when its checkpoint's aligned timeout elapses, it is promoted to a priority event and overtakes them:
    /// the checkpoint becomes unaligned here (a barrier stuck in a backpressured queue is "late" even on one channel).
    /// </summary>
    private void WatchQueuedBarrier(CheckpointBarrier barrier)
    {
        long id = barrier.CheckpointId;
        long watched;
        do
        {
            watched = Volatile.Read(ref _watchedBarrier);
            if (id <= watched)
            {
                return; // one watch per checkpoint
            }
        }
        while (Interlocked.CompareExchange(ref _watchedBarrier, id, watched) != watched);
        TimeProvider time = Context.Options.TimeProvider;
        TimeSpan remaining = Context.AlignedTimeout!.Value - (time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(barrier.Timestamp));
        ITimer? timer = null;
        timer = time.CreateTimer(_ =>
        {
            timer?.Dispose();
            Post(() => PromoteIfStillQueued(id));
        }, null, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void PromoteIfStillQueued(long id)
    {
        if (_unalignedStarted == id && UnalignedInProgress)
        {
            Gate.PromoteBarriers(id); // unaligned here already (an upstream switched first): its barriers still queued overtake too
            return;
        }
        if (_unalignedStarted >= id)
        {
            return;
        }
        if (Barriers.IsPending && Barriers.CurrentCheckpointId == id)
        {
            SwitchToUnaligned();
        }
        else if (Barriers.CurrentCheckpointId < id)
        {
            Gate.PromoteBarriers(id); // not yet taken anywhere: every channel's barrier overtakes its queue
        }
    }

    private void StopAlignmentTimer()
    {
        _alignmentTimer?.Dispose();
        _alignmentTimer = null;
    }

    /// <summary>
    /// The alignment of the current checkpoint took too long: snapshot now and continue it unaligned. Channels that
    /// delivered the barrier owe nothing; the others' queued barriers become priority events (including those still
    /// in upstream output), and their buffers before the barrier become channel state.
    /// </summary>
    private void SwitchToUnaligned()
    {
        StopAlignmentTimer();
        CheckpointBarrier barrier = Barriers.CurrentBarrier!;
        long id = barrier.CheckpointId;
        bool[] delivered = Enumerable.Range(0, Gate.Channels.Count).Select(Barriers.HasReceived).ToArray();
        Barriers.OnCancel(id); // ends the alignment here: unblocks the channels, later aligned barriers of it are stale
        DeclineUnalignedInProgress(id);
        _unalignedStarted = id;
        bool alignedOwed = _pointwise is not null && Enumerable.Range(0, delivered.Length)
            .Any(c => _pointwise.StaysAligned(c) && !delivered[c] && !Gate.Channels[c].Ended);
        if (alignedOwed)
        {
            // Forward and broadcast channels still owe their in-order barrier: the others' barriers overtake their
            // queues now, and the task snapshots when the last aligned channel delivers.
            _pointwise!.Start(barrier, c => Gate.Channels[c].Ended);
            for (int c = 0; c < delivered.Length; c++)
            {
                if (delivered[c])
                {
                    _pointwise.Deliver(c, PointwiseAlignment.InOrder);
                    Gate.Block(c);
                }
            }
            Gate.PromoteBarriers(id);
            return;
        }
        if (!StartUnalignedSnapshot(barrier))
        {
            return;
        }
        for (int c = 0; c < delivered.Length; c++)
        {
            if (delivered[c])
            {
                _channelState!.MarkDelivered(c);
            }
        }
        Gate.PromoteBarriers(id);
        CompleteChannelStateIfDone();
    }

    /// <summary>
    /// Ends the alignment of checkpoint <paramref name="checkpointId"/>, which cannot complete any more: its channels
    /// are unblocked, downstream is told, and the coordinator hears <paramref name="reason"/>.
    /// </summary>
    private void AbandonAlignment(long checkpointId, string reason)
    {
        StopAlignmentTimer();
        Barriers.OnCancel(checkpointId);
        DeclineAbandonedAlignment(checkpointId, reason);
    }
}
