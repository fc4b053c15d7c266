using System.ComponentModel;
using DslFlow.Channels;
using DslFlow.Checkpointing;

namespace DslFlow.Execution;

/// <summary>
/// A task whose chain head reads one input gate (every upstream channel of one record type). The generated subclass
/// implements <see cref="ProcessRecords"/>: the fused chain's loop over a buffer's records. This file holds the run
/// loop and aligned barriers; <c>OneInputStreamTask.Unaligned.cs</c> unaligned checkpoints and channel state,
/// <c>OneInputStreamTask.AlignedTimeout.cs</c> the switch from aligned to unaligned, <c>OneInputStreamTask.Debloating.cs</c>
/// buffer debloating.
/// </summary>
/// <typeparam name="TIn">The head node's input type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract partial class OneInputStreamTask<TIn> : StreamTask
{
    private TIn[]? _current;
    private long _recordsAtAlignmentStart;
    private int _position;
    private int _count;
    private int _currentChannel;
    private long _currentSequence;

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

    /// <inheritdoc />
    protected override void Open()
    {
        base.Open();
        if (_channelState is not null)
        {
            RestoreChannelState(); // on the task thread, before its first record: a failure here restarts the job
        }
        StartDebloating();
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
        if (_debloater is not null)
        {
            OnRunLoopEntered();
        }
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
                        OnPriorityBarrier(unaligned, channel, priority.Sequence);
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
            OnInputExhausted();
            return; // a channel wakes us when input arrives
        }
    }

    /// <summary>Barriers, cancel markers and end of input; other events go to <see cref="OnEvent"/>. True when the task finished.</summary>
    private bool HandleControlEvent(ChannelEvent @event, int channelIndex, long sequence)
    {
        BarrierOutcome outcome;
        long abandoned = -1;
        string? abandonReason = null;
        if (@event is CheckpointBarrier && Gate.Channels[channelIndex].Ended)
        {
            return false; // behind the channel's end of input (a finished upstream still in the protocol): it owes no barrier
        }
        if (_channelState is not null && Context.AlignedTimeout is null && @event is CheckpointBarrier or CancelCheckpointMarker or EndOfInput)
        {
            return HandleUnalignedControlEvent(@event, channelIndex, sequence);
        }
        if (_channelState is not null && Context.AlignedTimeout is not null)
        {
            // Aligned-checkpoint timeout: a checkpoint switched to unaligned is the recorder's; others align first.
            switch (@event)
            {
                case CheckpointBarrier late when late.CheckpointId <= _unalignedStarted:
                    OnUnalignedBarrier(late, channelIndex, sequence);
                    return false;
                case CancelCheckpointMarker cancel when UnalignedInProgress && cancel.CheckpointId == _unalignedStarted:
                    CancelUnaligned(cancel.CheckpointId);
                    return false;
                case CheckpointBarrier newer when UnalignedInProgress:
                    DeclineUnalignedInProgress(newer.CheckpointId); // it aligns now; the unaligned one cannot complete
                    break;
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
                abandonReason = $"barrier {barrier.CheckpointId} arrived before the alignment of {abandoned} completed";
                break;
            case CancelCheckpointMarker cancel:
                outcome = Barriers.OnCancel(cancel.CheckpointId, out abandoned);
                abandonReason = $"checkpoint {cancel.CheckpointId} was cancelled upstream during the alignment of {abandoned}";
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
            DeclineAbandonedAlignment(abandoned, abandonReason!);
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
        if (_channelState is not null && ((UnalignedInProgress && checkpointId == _unalignedStarted) || Context.AlignedTimeout is null))
        {
            CancelUnaligned(checkpointId); // in-flight records recorded for it are dropped
            return;
        }
        if (Barriers.OnCancel(checkpointId, out long abandoned) == BarrierOutcome.Cancel)
        {
            if (abandoned >= 0)
            {
                DeclineAbandonedAlignment(abandoned, $"checkpoint {checkpointId} was aborted during the alignment of {abandoned}");
            }
            BroadcastEvent(new CancelCheckpointMarker(checkpointId));
        }
    }

    /// <summary>An alignment that cannot complete any more was dropped: downstream and the coordinator hear of it.</summary>
    private void DeclineAbandonedAlignment(long checkpointId, string reason)
    {
        BroadcastEvent(new CancelCheckpointMarker(checkpointId));
        Context.DeclineCheckpoint?.Invoke(checkpointId, reason, CheckpointFailureCategory.Declined, null);
    }

    internal override void Release()
    {
        StopAlignmentTimer();
        StopDebloating();
        if (_current is not null)
        {
            InputGate<TIn>.Recycle(_current);
            _current = null;
        }
        base.Release();
    }
}
