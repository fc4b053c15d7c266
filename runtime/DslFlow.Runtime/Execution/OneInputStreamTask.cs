using System.ComponentModel;
using DslFlow.Channels;
using DslFlow.Checkpointing;

namespace DslFlow.Execution;

/// <summary>
/// A task whose chain head reads one input gate (every upstream channel of one record type). The generated subclass
/// implements <see cref="ProcessRecords"/>: the fused chain's loop over a buffer's records. This file holds the run
/// loop, which hands barriers, cancel markers and ends of input to the barrier state machine
/// (<see cref="CheckpointBarrierHandler"/>); <c>OneInputStreamTask.Barriers.cs</c> carries out what it decides,
/// <c>OneInputStreamTask.ChannelState.cs</c> records and restores in-flight records, <c>OneInputStreamTask.Debloating.cs</c>
/// sizes buffers, <c>OneInputStreamTask.Watermarks.cs</c> keeps event time.
/// </summary>
/// <typeparam name="TIn">The head node's input type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract partial class OneInputStreamTask<TIn> : StreamTask
{
    private readonly TaskInput<TIn> _input;
    private TIn[]? _current;
    private int _position;
    private int _count;
    private int _currentChannel;
    private long _currentSequence;

    /// <summary>Creates the task over the gate the runner built for it.</summary>
    protected OneInputStreamTask(TaskContext context)
        : base(context)
    {
        _input = context.Input as TaskInput<TIn>
            ?? throw new InvalidOperationException($"Task '{context.TaskName}' expects an input gate of {typeof(TIn)}.");
        Gate = _input.Gate;
        Gate.Receiver = this;
        CheckpointAlignment alignment = SubtaskCheckpoints.Alignment;
        if (_input.Channels.Count != Gate.Channels.Count)
        {
            throw new InvalidOperationException($"Task '{context.TaskName}' has {Gate.Channels.Count} input channels but a layout of {_input.Channels.Count}.");
        }
        bool[] staysAligned = [.. _input.Channels.Select(c => c.StaysAligned)];
        if (alignment.PersistsChannelState)
        {
            _channelState = new ChannelStateRecorder<TIn>(Gate);
            _recordSerializer = RecordSerializer(_input, context);
            for (int c = 0; c < staysAligned.Length; c++)
            {
                Gate.Channels[c].StaysAligned = staysAligned[c];
            }
            if (alignment.Timeout is not null)
            {
                Gate.BarrierQueued = OnBarrierQueued;
            }
        }
        Barriers = new CheckpointBarrierHandler(Gate.Channels.Count, alignment, staysAligned, this);
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
        StartAssignedWatermarks();
    }

    /// <summary>The barrier state machine over the gate's channels.</summary>
    internal CheckpointBarrierHandler Barriers { get; }

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
                    if (_channelState is not null && priority.Event is CheckpointBarrier overtaking)
                    {
                        Barriers.OnBarrier(overtaking, channel, priority.Sequence);
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

    /// <summary>
    /// Barriers, cancel markers and end of input go to the barrier handler, watermarks to the valve
    /// (<c>OneInputStreamTask.Watermarks.cs</c>), other events to <see cref="OnEvent"/>. True when the task finished.
    /// </summary>
    private bool HandleControlEvent(ChannelEvent @event, int channelIndex, long sequence)
    {
        switch (@event)
        {
            case CheckpointBarrier barrier:
                Barriers.OnBarrier(barrier, channelIndex, sequence);
                return false;
            case CancelCheckpointMarker cancel:
                Barriers.OnCancelMarker(cancel.CheckpointId);
                return false;
            case Time.Watermark or Time.WatermarkStatus:
                OnWatermarkEvent(@event, channelIndex);
                return false;
            case EndOfInput:
                OnChannelEnded(channelIndex); // holds event time back no more: may send the maximum watermark on
                Barriers.OnEndOfInput(channelIndex);
                if (Gate.IsFinished)
                {
                    EndProcessingTime(); // every event-time timer fired at the maximum watermark; processing-time ones never will
                    Finish();
                    return true;
                }
                return false;
            default:
                OnEvent(@event, channelIndex);
                return false;
        }
    }

    /// <summary>An aborted checkpoint still in progress here ends: its channels flow again, downstream hears of it.</summary>
    private protected override void OnAbortNotified(long checkpointId) => Barriers.OnAbort(checkpointId);

    /// <inheritdoc />
    private protected override void OnStatesRestored()
    {
        RestoreTimerWatermark();
        ScheduleRestoredTimers();
    }

    /// <inheritdoc />
    internal override int? TimersPendingForMetrics => HasTimers ? TimersPending : null;

    internal override void Release()
    {
        StopAssignedWatermarks();
        StopProcessingTime();
        StopDebloating();
        if (_current is not null)
        {
            InputGate<TIn>.Recycle(_current);
            _current = null;
        }
        base.Release();
    }
}
