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
            if (context.AlignedTimeout is not null)
            {
                Gate.BarrierQueued = WatchQueuedBarrier;
            }
        }
    }

    private readonly ChannelStateRecorder<TIn>? _channelState;
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

    /// <summary>Replays the in-flight records of a restored unaligned checkpoint into the channels they were in, before any new record.</summary>
    private void RestoreChannelState()
    {
        if (Context.Restored?.ChannelState(Context.TaskName, Context.SubtaskIndex, Context.Parallelism) is not { } bytes)
        {
            return;
        }
        List<TIn[]>[] channels;
        try
        {
            channels = ChannelStateRecorder<TIn>.Decode(bytes, _recordSerializer!, Gate.Channels.Count);
        }
        catch (DslFlow.Serialization.StateFormatException ex)
        {
            throw new PipelineExecutionException(Context.TaskName, Context.SubtaskIndex, Context.Parallelism, null,
                $"could not restore its in-flight records from checkpoint {Context.Restored!.CheckpointId}", ex);
        }
        for (int c = 0; c < channels.Length; c++)
        {
            foreach (TIn[] records in channels[c])
            {
                if (records.Length > 0)
                {
                    Gate.EnqueueRecovered(c, records, records.Length);
                }
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
        if (id > recorder.CheckpointId)
        {
            if (recorder.IsRecording)
            {
                long abandoned = recorder.CheckpointId; // barrier n+1 before every barrier of n: n cannot complete here
                recorder.Reset();
                AbandonUnaligned();
                BroadcastEvent(new CancelCheckpointMarker(abandoned));
                Context.DeclineCheckpoint?.Invoke(abandoned, $"barrier {id} arrived before every barrier of {abandoned}",
                    CheckpointFailureCategory.Declined, null);
            }
            (int, long, TIn[])? rest = _current is not null && _position < _count
                ? (_currentChannel, _currentSequence, _current.AsSpan(_position, _count - _position).ToArray())
                : null;
            recorder.Start(id, rest);
            if (!SnapshotUnaligned(barrier))
            {
                recorder.Reset();
                return;
            }
        }
        recorder.OnBarrier(channel, sequence);
        CompleteChannelStateIfDone();
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
        byte[] channels = recorder.Encode(_recordSerializer!);
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
                case CheckpointBarrier late when late.CheckpointId <= _channelState.CheckpointId:
                    OnUnalignedBarrier(late, channelIndex, sequence);
                    return false;
                case CancelCheckpointMarker cancel when cancel.CheckpointId == _channelState.CheckpointId && _channelState.IsRecording:
                    return HandleUnalignedControlEvent(@event, channelIndex, sequence);
                case EndOfInput:
                    _channelState.OnEndOfInput(channelIndex);
                    CompleteChannelStateIfDone();
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
        if (_channelState is not null)
        {
            if (_channelState.CheckpointId == checkpointId && _channelState.IsRecording)
            {
                _channelState.Reset(); // in-flight records recorded for it are dropped
                AbandonUnaligned();
                BroadcastEvent(new CancelCheckpointMarker(checkpointId));
            }
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
                    _channelState.Reset();
                    AbandonUnaligned();
                    BroadcastEvent(cancel);
                }
                return false;
            default: // end of input: a channel that ended no longer owes a barrier
                _channelState!.OnEndOfInput(channelIndex);
                CompleteChannelStateIfDone();
                if (Gate.IsFinished)
                {
                    Finish();
                    return true;
                }
                return false;
        }
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
