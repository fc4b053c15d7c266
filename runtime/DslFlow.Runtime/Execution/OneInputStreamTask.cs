using System.ComponentModel;
using DslFlow.Channels;
using DslFlow.Checkpointing;

namespace DslFlow.Execution;

/// <summary>
/// A task whose chain head reads one input gate (every upstream channel of one record type). The generated subclass
/// implements <see cref="ProcessRecords"/>: the fused chain's loop over a buffer's records.
/// </summary>
/// <typeparam name="TIn">The head node's input type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class OneInputStreamTask<TIn> : StreamTask
{
    private TIn[]? _current;
    private long _recordsAtAlignmentStart;
    private int _position;
    private int _count;

    /// <summary>Creates the task over the gate the runner built for it.</summary>
    protected OneInputStreamTask(TaskContext context)
        : base(context)
    {
        Gate = context.InputGate as InputGate<TIn>
            ?? throw new InvalidOperationException($"Task '{context.TaskName}' expects an input gate of {typeof(TIn)}.");
        Gate.Receiver = this;
        Barriers = new BarrierHandler(Gate.Channels.Count, context.CheckpointingMode, Gate.Block, Gate.Unblock);
        if (context.Unaligned)
        {
            _channelState = new ChannelStateRecorder<TIn>(Gate);
            _recordSerializer = RecordSerializer(context);
            if (context.InputChannels.Length != Gate.Channels.Count)
            {
                throw new InvalidOperationException($"Task '{context.TaskName}' has {Gate.Channels.Count} input channels but a layout of {context.InputChannels.Length}.");
            }
            bool[] staysAligned = context.InputChannels.Select(c => c.StaysAligned).ToArray();
            for (int c = 0; c < staysAligned.Length; c++)
            {
                Gate.Channels[c].StaysAligned = staysAligned[c];
            }
            _pointwise = staysAligned.Any(a => a) ? new PointwiseAlignment(staysAligned) : null;
            if (context.AlignedTimeout is not null)
            {
                Gate.BarrierQueued = WatchQueuedBarrier;
            }
        }
    }

    private readonly ChannelStateRecorder<TIn>? _channelState;
    private readonly PointwiseAlignment? _pointwise; // forward and broadcast channels that stay aligned under unaligned checkpoints
    private readonly DslFlow.ISerializer<TIn>? _recordSerializer;
    private int _currentChannel;
    private long _currentSequence;

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

    /// <inheritdoc />
    protected override void Open()
    {
        base.Open();
        if (_channelState is not null)
        {
            RestoreChannelState(); // on the task thread, before its first record: a failure here restarts the job
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
    /// the task at once and starts recording channel state; each channel's barrier completes that channel's state; the
    /// last one acknowledges.
    /// </summary>
    private void OnUnalignedBarrier(CheckpointBarrier barrier, int channel, long sequence)
    {
        ChannelStateRecorder<TIn> recorder = _channelState!;
        long id = barrier.CheckpointId;
        if (id < recorder.CheckpointId || (id == recorder.CheckpointId && !recorder.IsPending(channel)))
        {
            return; // stale, or this channel already delivered it
        }
        if (id < (_pointwise?.CheckpointId ?? -1))
        {
            return; // stale: a newer checkpoint waits for its aligned channels
        }
        if (id > recorder.CheckpointId)
        {
            if (_pointwise is not null && _pointwise.CheckpointId == id)
            {
                DeliverPointwise(channel, sequence);
                return;
            }
            if (recorder.IsRecording || _pointwise?.Barrier is not null)
            {
                long abandoned = Math.Max(recorder.IsRecording ? recorder.CheckpointId : -1, _pointwise?.CheckpointId ?? -1);
                AbandonUnalignedCheckpoint(); // barrier n+1 before every barrier of n: n cannot complete here
                BroadcastEvent(new CancelCheckpointMarker(abandoned));
                Context.DeclineCheckpoint?.Invoke(abandoned, $"barrier {id} arrived before every barrier of {abandoned}",
                    CheckpointFailureCategory.Declined, null);
            }
            if (_pointwise is not null && _pointwise.Start(barrier, c => Gate.Channels[c].Ended))
            {
                DeliverPointwise(channel, sequence); // forward and broadcast channels deliver theirs in order first
                return;
            }
            if (!StartUnalignedSnapshot(barrier))
            {
                return;
            }
        }
        recorder.OnBarrier(channel, sequence);
        CompleteChannelStateIfDone();
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
        long watched = Volatile.Read(ref _watchedBarrier);
        if (id <= watched || Interlocked.CompareExchange(ref _watchedBarrier, id, watched) != watched)
        {
            return; // one watch per checkpoint
        }
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
        if (_channelState!.CheckpointId >= id)
        {
            return; // already unaligned here
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
        ChannelStateRecorder<TIn> recorder = _channelState!;
        CheckpointBarrier barrier = Barriers.CurrentBarrier!;
        long id = barrier.CheckpointId;
        bool[] delivered = Enumerable.Range(0, Gate.Channels.Count).Select(Barriers.HasReceived).ToArray();
        Barriers.OnCancel(id); // ends the alignment here: unblocks the channels, later aligned barriers of it are stale
        if (_pointwise is not null && _pointwise.Start(barrier, c => Gate.Channels[c].Ended || delivered[c]))
        {
            // Forward and broadcast channels still owe their in-order barrier: the others' barriers overtake their
            // queues now, and the task snapshots when the last aligned channel delivers.
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
        (int, long, TIn[])? rest = _current is not null && _position < _count
            ? (_currentChannel, _currentSequence, _current.AsSpan(_position, _count - _position).ToArray())
            : null;
        recorder.Start(id, rest);
        for (int c = 0; c < delivered.Length; c++)
        {
            if (delivered[c])
            {
                recorder.MarkDelivered(c);
            }
        }
        if (!SnapshotUnaligned(barrier))
        {
            recorder.Reset();
            return;
        }
        Gate.PromoteBarriers(id);
        CompleteChannelStateIfDone();
    }

    private void CompleteChannelStateIfDone()
    {
        ChannelStateRecorder<TIn> recorder = _channelState!;
        if (recorder.IsRecording || recorder.CheckpointId < 0)
        {
            return;
        }
        long id = recorder.CheckpointId;
        byte[] channels = recorder.Encode(_recordSerializer!, Context.InputChannels);
        byte[] file = new TaskStateSnapshot(Context.SubtaskIndex, Context.Parallelism, Context.MaxParallelism,
            [new StateEntry(RestoredCheckpoint.ChannelStateName(Context.TaskName), StateScope.ChannelState, channels)]).Encode();
        AcknowledgeUnaligned(id, file, channels.Length);
    }

    /// <summary>Aligns (or counts) checkpoint barriers over the gate's channels.</summary>
    internal BarrierHandler Barriers { get; }

    /// <summary>The task's input.</summary>
    public InputGate<TIn> Gate { get; }

    /// <summary>
    /// Runs the chain over <c>records[start..end)</c>. Returns the index of the first record not processed: it stops
    /// early, between two records, when <see cref="StreamTask.InterruptRequested"/> becomes true.
    /// </summary>
    protected abstract int ProcessRecords(TIn[] records, int start, int end);

    /// <summary>
    /// The key group of <paramref name="record"/> when the chain's head is keyed (generated), else -1. Restoring channel
    /// state into another parallelism keeps only the records of the key groups this subtask owns now.
    /// </summary>
    protected virtual int KeyGroupOf(TIn record) => -1;

    /// <summary>Handles a control event that arrived in order with the buffers (end of input is handled before).</summary>
    protected virtual void OnEvent(ChannelEvent @event, int channelIndex)
    {
    }

    /// <summary>
    /// Handles an event that overtook the buffers of its channel; <paramref name="sequence"/> bounds the overtaken
    /// buffers (see <see cref="InputGate{T}.ListQueuedBuffers"/>).
    /// </summary>
    protected virtual void OnPriorityEvent(ChannelEvent @event, int channelIndex, long sequence)
    {
    }

    private protected sealed override void RunLoop()
    {
        while (true)
        {
            if (ClearInterruptAndCheckMail() || IsWaitingForFinalCheckpoint)
            {
                return;
            }
            if (Gate.HasPriorityEvents)
            {
                while (Gate.TryTakePriority(out ChannelEntry<TIn> priority, out int channel))
                {
                    if (_channelState is not null && priority.Event is CheckpointBarrier unaligned)
                    {
                        if (Barriers.IsPending && Barriers.CurrentCheckpointId == unaligned.CheckpointId)
                        {
                            SwitchToUnaligned(); // an upstream task already took it unaligned
                        }
                        OnUnalignedBarrier(unaligned, channel, priority.Sequence);
                    }
                    else
                    {
                        OnPriorityEvent(priority.Event!, channel, priority.Sequence);
                    }
                }
                continue;
            }
            if (OutputsBlocked)
            {
                return; // the channel wakes us when its backlog drains
            }
            if (_current is not null)
            {
                int next = ProcessRecords(_current, _position, _count);
                AddRecordsIn(next - _position);
                if (next < _count)
                {
                    _position = next;
                    continue;
                }
                InputGate<TIn>.Recycle(_current);
                _current = null;
                continue;
            }
            if (Gate.TryTake(out ChannelEntry<TIn> entry, out int channelIndex))
            {
                if (entry.IsBuffer)
                {
                    _current = entry.Records;
                    _position = 0;
                    _count = entry.Count;
                    _currentChannel = channelIndex;
                    _currentSequence = entry.Sequence;
                    if (_channelState is { IsRecording: true })
                    {
                        _channelState.OnBufferTaken(channelIndex, entry.Sequence, entry.Records!, entry.Count);
                    }
                }
                else if (HandleControlEvent(entry.Event!, channelIndex, entry.Sequence))
                {
                    return; // finished
                }
                continue;
            }
            FlushOutputs(); // idle: send partial buffers rather than hold records back
            return; // a channel wakes us when input arrives
        }
    }

    /// <summary>Barriers, cancel markers and end of input; other events go to <see cref="OnEvent"/>. True when the task finished.</summary>
    private bool HandleControlEvent(ChannelEvent @event, int channelIndex, long sequence)
    {
        BarrierOutcome outcome;
        long abandoned = -1;
        if (_channelState is not null && Context.AlignedTimeout is null && @event is CheckpointBarrier or CancelCheckpointMarker or EndOfInput)
        {
            return HandleUnalignedControlEvent(@event, channelIndex, sequence);
        }
        if (_channelState is not null && Context.AlignedTimeout is not null)
        {
            // Aligned-checkpoint timeout: a checkpoint switched to unaligned is the recorder's; others align first.
            switch (@event)
            {
                case CheckpointBarrier late when late.CheckpointId <= Math.Max(_channelState.CheckpointId, _pointwise?.CheckpointId ?? -1):
                    OnUnalignedBarrier(late, channelIndex, sequence);
                    return false;
                case CancelCheckpointMarker cancel when (cancel.CheckpointId == _channelState.CheckpointId && _channelState.IsRecording)
                    || cancel.CheckpointId == (_pointwise?.CheckpointId ?? -1):
                    return HandleUnalignedControlEvent(@event, channelIndex, sequence);
                case EndOfInput:
                    EndUnalignedChannel(channelIndex);
                    break;
            }
        }
        switch (@event)
        {
            case CheckpointBarrier barrier:
                if (barrier.CheckpointId > Barriers.CurrentCheckpointId)
                {
                    _recordsAtAlignmentStart = RecordsIn; // the first barrier of a new checkpoint
                }
                outcome = Barriers.OnBarrier(barrier, channelIndex, out abandoned);
                break;
            case CancelCheckpointMarker cancel:
                outcome = Barriers.OnCancel(cancel.CheckpointId);
                break;
            case EndOfInput:
                outcome = Barriers.OnEndOfInput(channelIndex);
                break;
            default:
                OnEvent(@event, channelIndex);
                return false;
        }
        if (abandoned >= 0)
        {
            BroadcastEvent(new CancelCheckpointMarker(abandoned));
            Context.DeclineCheckpoint?.Invoke(abandoned, $"barrier {Barriers.CurrentCheckpointId} arrived before the alignment of {abandoned} completed",
                CheckpointFailureCategory.Declined, null);
        }
        if (outcome == BarrierOutcome.Snapshot)
        {
            StopAlignmentTimer();
            CheckpointAndForward(Barriers.CurrentBarrier!);
        }
        else if (@event is CheckpointBarrier first && Context.AlignedTimeout is { } timeout && Barriers.IsPending
            && Barriers.CurrentCheckpointId == first.CheckpointId && first.CheckpointId > _timedCheckpoint)
        {
            _timedCheckpoint = first.CheckpointId;
            StartAlignmentTimer(first, timeout);
        }
        else if (outcome == BarrierOutcome.Cancel)
        {
            BroadcastEvent(@event);
        }
        if (@event is EndOfInput && Gate.IsFinished)
        {
            Finish();
            return true;
        }
        return false;
    }

    /// <inheritdoc />
    private protected override TimeSpan AlignmentDuration => Barriers.LastAlignmentDuration;

    /// <inheritdoc />
    private protected override long ProcessedDuringAlignment => RecordsIn - _recordsAtAlignmentStart;

    /// <summary>An aborted checkpoint still aligning here stops blocking its channels; downstream hears of it too.</summary>
    private protected override void OnAbortNotified(long checkpointId)
    {
        if (_channelState is not null && ((_channelState.CheckpointId == checkpointId && _channelState.IsRecording)
            || _pointwise?.CheckpointId == checkpointId))
        {
            AbandonUnalignedCheckpoint(); // in-flight records recorded for it are dropped
            BroadcastEvent(new CancelCheckpointMarker(checkpointId));
            return;
        }
        if (_channelState is not null && Context.AlignedTimeout is null)
        {
            return;
        }
        if (Barriers.OnCancel(checkpointId) == BarrierOutcome.Cancel)
        {
            BroadcastEvent(new CancelCheckpointMarker(checkpointId));
        }
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
                if (cancel.CheckpointId >= _channelState!.CheckpointId && (_channelState.IsRecording || cancel.CheckpointId > _channelState.CheckpointId))
                {
                    AbandonUnalignedCheckpoint();
                    BroadcastEvent(cancel);
                }
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

    internal override void Release()
    {
        StopAlignmentTimer();
        if (_current is not null)
        {
            InputGate<TIn>.Recycle(_current);
            _current = null;
        }
        base.Release();
    }
}
