using DslFlow.Channels;
using DslFlow.Checkpointing;

namespace DslFlow.Execution;

/// <summary>
/// Unaligned checkpoints at a one-input task: barriers overtake queued buffers, the task snapshots at its first barrier
/// (after its forward and broadcast channels delivered theirs in order), and records the buffers each barrier overtook
/// as channel state; a restore replays them before any new record.
/// </summary>
public abstract partial class OneInputStreamTask<TIn>
{
    private readonly ChannelStateRecorder<TIn>? _channelState;
    private readonly PointwiseAlignment? _pointwise; // forward and broadcast channels that stay aligned under unaligned checkpoints
    private readonly DslFlow.ISerializer<TIn>? _recordSerializer;

    /// <summary>
    /// The newest checkpoint whose unaligned handling began here (a wait for aligned channels, or a recording), -1
    /// before the first. Its barriers and those of older checkpoints never start anything again: once it completed, was
    /// abandoned or aborted, a late barrier of it is dropped.
    /// </summary>
    private long _unalignedStarted = -1;

    /// <summary>The newest checkpoint whose channel state was encoded and acknowledged here.</summary>
    private long _channelStateDone = -1;

    /// <summary>Checkpoints newer than <see cref="_unalignedStarted"/> cancelled before their first barrier arrived here.</summary>
    private readonly HashSet<long> _cancelledAhead = [];

    /// <summary>True while checkpoint <see cref="_unalignedStarted"/> waits for aligned channels or records channel state.</summary>
    private bool UnalignedInProgress => _channelState!.IsRecording || _pointwise?.Barrier is not null;

    /// <summary>
    /// Unaligned checkpoints persist in-flight records, so the task's input type needs a serializer: the one the
    /// generator chose, else the run-time lookup.
    /// </summary>
    private static DslFlow.ISerializer<TIn> RecordSerializer(TaskContext context)
    {
        if (context.RecordSerializer is DslFlow.ISerializer<TIn> chosen)
        {
            return chosen;
        }
        try
        {
            return DslFlow.Serialization.Serializers.For<TIn>();
        }
        catch (NotSupportedException ex)
        {
            throw new InvalidOperationException($"Unaligned checkpoints persist the records in flight to task '{context.TaskName}', "
                + $"but its input type '{typeof(TIn)}' cannot be serialized: {ex.Message} Or use aligned checkpoints.", ex);
        }
    }

    /// <summary>
    /// Replays the in-flight records of a restored unaligned checkpoint into the channels they belong to now, before
    /// any new record (<see cref="ChannelStateRedistribution"/>: own channels, or after rescaling the records of the key
    /// groups this subtask owns and an even share of the others).
    /// </summary>
    private void RestoreChannelState()
    {
        if (Context.Restored is not { } restored || restored.ChannelStates(Context.TaskName) is not { Count: > 0 } parts)
        {
            return;
        }
        List<TIn[]>[] channels;
        try
        {
            channels = ChannelStateRedistribution.Assign(parts, Context.SubtaskIndex, Context.Parallelism, Context.InputChannels,
                bytes => ChannelStateRecorder<TIn>.Decode(bytes, _recordSerializer!), KeyGroupOf, Context.KeyGroupRange, Context.TaskName);
        }
        catch (Exception ex) when (ex is DslFlow.Serialization.StateFormatException or InvalidOperationException)
        {
            throw new PipelineExecutionException(Context.TaskName, Context.SubtaskIndex, Context.Parallelism, null,
                $"could not restore its in-flight records from checkpoint {restored.CheckpointId}", ex);
        }
        for (int c = 0; c < channels.Length; c++)
        {
            foreach (TIn[] records in channels[c])
            {
                Gate.EnqueueRecovered(c, records, records.Length);
            }
        }
    }

    /// <summary>
    /// An unaligned barrier (a priority event, or in order when nothing was queued ahead of it) arrived on
    /// <paramref name="channel"/> with sequence <paramref name="sequence"/>. The first barrier of a checkpoint snapshots
    /// the task at once (or once its aligned channels delivered) and starts recording channel state; each channel's
    /// barrier completes that channel's state; the last one acknowledges.
    /// </summary>
    private void OnUnalignedBarrier(CheckpointBarrier barrier, int channel, long sequence)
    {
        long id = barrier.CheckpointId;
        if (id < _unalignedStarted || _cancelledAhead.Contains(id))
        {
            return; // stale, or cancelled before it got here
        }
        if (id == _unalignedStarted)
        {
            if (_pointwise?.CheckpointId == id)
            {
                DeliverPointwise(channel, sequence);
            }
            else if (_channelState!.CheckpointId == id && _channelState.IsPending(channel))
            {
                _channelState.OnBarrier(channel, sequence);
                CompleteChannelStateIfDone();
            }
            return; // else this channel delivered it already, or the checkpoint ended here
        }
        DeclineUnalignedInProgress(id); // barrier n+1 before every barrier of n: n cannot complete here
        _unalignedStarted = id;
        _cancelledAhead.RemoveWhere(c => c <= id);
        if (_pointwise is not null && _pointwise.Start(barrier, c => Gate.Channels[c].Ended))
        {
            DeliverPointwise(channel, sequence); // forward and broadcast channels deliver theirs in order first
            return;
        }
        if (StartUnalignedSnapshot(barrier))
        {
            _channelState!.OnBarrier(channel, sequence);
            CompleteChannelStateIfDone();
        }
    }

    /// <summary>
    /// A barrier that overtook its channel's buffers — possibly the channel's end of input too, when a task whose input
    /// ended sent it (the overtaken buffers become channel state as for any other). With the aligned timeout, the
    /// checkpoint may still be aligning here (an upstream task switched it first: switch too), already done aligned (a
    /// stale barrier), or newer than the alignment in progress (which cannot complete any more). One arriving on a
    /// channel that already ended is ignored.
    /// </summary>
    private void OnPriorityBarrier(CheckpointBarrier barrier, int channel, long sequence)
    {
        if (Gate.Channels[channel].Ended)
        {
            return; // sent by a finished upstream after this task took the channel's end of input: it owes no barrier
        }
        long id = barrier.CheckpointId;
        if (Context.AlignedTimeout is not null && id > _unalignedStarted)
        {
            if (Barriers.IsPending && Barriers.CurrentCheckpointId == id)
            {
                SwitchToUnaligned();
            }
            else if (Barriers.CurrentCheckpointId >= id)
            {
                return; // aligned here already: completed, cancelled or superseded
            }
            else if (Barriers.IsPending)
            {
                AbandonAlignment(Barriers.CurrentCheckpointId, $"barrier {id} overtook the alignment of {Barriers.CurrentCheckpointId}");
            }
        }
        OnUnalignedBarrier(barrier, channel, sequence);
        if (Context.AlignedTimeout is not null && _unalignedStarted == id && UnalignedInProgress && Gate.PromotedBarrier < id)
        {
            Gate.PromoteBarriers(id); // unaligned here now: barriers of it still queued behind buffers overtake them too
        }
    }

    /// <summary>Snapshots now and starts recording the channels that still owe the barrier. False when the snapshot was skipped.</summary>
    private bool StartUnalignedSnapshot(CheckpointBarrier barrier)
    {
        (int, long, TIn[])? rest = _current is not null && _position < _count
            ? (_currentChannel, _currentSequence, _current.AsSpan(_position, _count - _position).ToArray())
            : null;
        _channelState!.Start(barrier.CheckpointId, rest);
        if (!SnapshotUnaligned(barrier))
        {
            _channelState.Reset();
            return false;
        }
        return true;
    }

    /// <summary>
    /// A channel delivered the barrier the task waits for on its forward and broadcast channels: block it (nothing it
    /// sent after the barrier may be processed before the snapshot); once every such channel delivered, snapshot and
    /// continue unaligned, the buffers priority barriers overtook becoming channel state.
    /// </summary>
    private void DeliverPointwise(int channel, long sequence)
    {
        PointwiseAlignment pointwise = _pointwise!;
        pointwise.Deliver(channel, sequence);
        Gate.Block(channel);
        if (pointwise.IsComplete)
        {
            FinishPointwise();
        }
    }

    private void FinishPointwise()
    {
        PointwiseAlignment pointwise = _pointwise!;
        CheckpointBarrier barrier = pointwise.Barrier!;
        List<(int Channel, long Sequence)> delivered = pointwise.Delivered();
        pointwise.Reset();
        bool snapshotted = StartUnalignedSnapshot(barrier);
        foreach ((int channel, long sequence) in delivered)
        {
            if (snapshotted)
            {
                if (sequence == PointwiseAlignment.InOrder || pointwise.StaysAligned(channel))
                {
                    _channelState!.MarkDelivered(channel);
                }
                else
                {
                    _channelState!.OnBarrier(channel, sequence); // the buffers it overtook are still queued: record them
                }
            }
            Gate.Unblock(channel);
        }
        if (snapshotted)
        {
            CompleteChannelStateIfDone();
        }
    }

    /// <summary>
    /// A cancel marker or the coordinator's abort of checkpoint <paramref name="checkpointId"/>: the checkpoint in
    /// progress here is dropped; one not started yet is remembered, so its barriers start nothing. Downstream hears of
    /// it either way; stale cancels are ignored.
    /// </summary>
    private void CancelUnaligned(long checkpointId)
    {
        if (checkpointId < _unalignedStarted || _cancelledAhead.Contains(checkpointId))
        {
            return;
        }
        if (checkpointId == _unalignedStarted)
        {
            if (UnalignedInProgress)
            {
                AbandonUnalignedCheckpoint();
                BroadcastEvent(new CancelCheckpointMarker(checkpointId));
            }
            return;
        }
        _cancelledAhead.Add(checkpointId);
        BroadcastEvent(new CancelCheckpointMarker(checkpointId));
    }

    /// <summary>
    /// A newer checkpoint (<paramref name="newer"/>) starts here while the unaligned one in progress still waits for
    /// barriers: that one cannot complete any more, so it is dropped, downstream is told, and the coordinator hears why.
    /// </summary>
    private void DeclineUnalignedInProgress(long newer)
    {
        if (!UnalignedInProgress)
        {
            return;
        }
        long abandoned = _unalignedStarted;
        AbandonUnalignedCheckpoint();
        BroadcastEvent(new CancelCheckpointMarker(abandoned));
        Context.DeclineCheckpoint?.Invoke(abandoned, $"barrier {newer} arrived before every barrier of {abandoned}",
            CheckpointFailureCategory.Declined, null);
    }

    /// <summary>Drops the unaligned checkpoint in progress here: its recording, and its wait for aligned channels.</summary>
    private void AbandonUnalignedCheckpoint()
    {
        _channelState!.Reset();
        if (_pointwise?.Barrier is not null)
        {
            foreach ((int channel, long _) in _pointwise.Delivered())
            {
                Gate.Unblock(channel);
            }
            _pointwise.Reset();
        }
        AbandonUnaligned();
    }

    private void CompleteChannelStateIfDone()
    {
        ChannelStateRecorder<TIn> recorder = _channelState!;
        if (recorder.IsRecording || recorder.CheckpointId <= _channelStateDone)
        {
            return; // still waiting for barriers, or this checkpoint's channel state was written (or abandoned) already
        }
        long id = recorder.CheckpointId;
        _channelStateDone = id;
        byte[] channels = recorder.Encode(_recordSerializer!, Context.InputChannels);
        byte[] file = new TaskStateSnapshot(Context.SubtaskIndex, Context.Parallelism, Context.MaxParallelism,
            [new StateEntry(RestoredCheckpoint.ChannelStateName(Context.TaskName), StateScope.ChannelState, channels)]).Encode();
        AcknowledgeUnaligned(id, file, channels.Length);
    }

    /// <summary>Barriers, cancel markers and end of input in unaligned mode. True when the task finished.</summary>
    private bool HandleUnalignedControlEvent(ChannelEvent @event, int channelIndex, long sequence)
    {
        switch (@event)
        {
            case CheckpointBarrier barrier:
                OnUnalignedBarrier(barrier, channelIndex, sequence);
                return false;
            case CancelCheckpointMarker cancel:
                CancelUnaligned(cancel.CheckpointId);
                return false;
            default: // end of input: a channel that ended no longer owes a barrier
                EndUnalignedChannel(channelIndex);
                if (Gate.IsFinished)
                {
                    Finish();
                    return true;
                }
                return false;
        }
    }

    /// <summary>An input channel ended: it owes no barrier to the checkpoint being recorded or awaited any more.</summary>
    private void EndUnalignedChannel(int channel)
    {
        _channelState!.OnEndOfInput(channel);
        if (_pointwise?.Barrier is not null)
        {
            _pointwise.OnEndOfInput(channel);
            if (_pointwise.IsComplete)
            {
                FinishPointwise();
            }
        }
        CompleteChannelStateIfDone();
    }
}
