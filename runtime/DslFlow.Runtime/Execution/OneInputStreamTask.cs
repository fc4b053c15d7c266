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
                    OnPriorityEvent(priority.Event!, channel, priority.Sequence);
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
                }
                else if (HandleControlEvent(entry.Event!, channelIndex))
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
    private bool HandleControlEvent(ChannelEvent @event, int channelIndex)
    {
        BarrierOutcome outcome;
        long abandoned = -1;
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
            CheckpointAndForward(Barriers.CurrentBarrier!);
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
        if (Barriers.OnCancel(checkpointId) == BarrierOutcome.Cancel)
        {
            BroadcastEvent(new CancelCheckpointMarker(checkpointId));
        }
    }

    internal override void Release()
    {
        if (_current is not null)
        {
            InputGate<TIn>.Recycle(_current);
            _current = null;
        }
        base.Release();
    }
}
