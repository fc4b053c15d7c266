using DslFlow.Channels;
using DslFlow.Time;

namespace DslFlow.Execution;

/// <summary>
/// Event time at the task's input: watermarks and watermark statuses arrive in order with the buffers and go to a
/// <see cref="WatermarkValve"/> over the gate's channels (a channel's end of input counts as the maximum watermark).
/// What the valve emits runs <see cref="OnWatermark"/> (where a keyed task fires its due event-time timers) and then
/// goes to every output, so downstream tasks see it after every record this task emitted before it. A job without
/// watermarks upstream sends none: the valve's output is forwarded only once a watermark event arrived. Watermarks are
/// never channel state: after a restore the valve starts over, and the sources generate them anew.
/// </summary>
public abstract partial class OneInputStreamTask<TIn>
{
    private WatermarkValve? _valve;
    private bool _eventTime; // a watermark or status arrived: the valve's output goes downstream
    private SplitWatermarks? _assigned; // a node of the chain assigns timestamps: its watermarks go downstream instead
    private SplitWatermarks.Split? _assignedSplit;
    private ITimer? _emitTimer;

    /// <summary>The task's input watermark (Unix milliseconds; <see cref="long.MinValue"/> before the first).</summary>
    public long CurrentInputWatermark => Valve.Current;

    /// <summary>The input watermark for metrics (read from other threads), or null before event time reached the task.</summary>
    internal override long? InputWatermark => _assigned is { Current: not long.MinValue } assigned ? assigned.Current
        : _eventTime && _valve is { Current: not long.MinValue } valve ? valve.Current : null;

    /// <summary>True while every input channel is idle.</summary>
    public bool InputIsIdle => Valve.IsIdle;

    private WatermarkValve Valve => _valve ??= new WatermarkValve(Gate.Channels.Count, new ValveOutput(this));

    /// <summary>
    /// Event time reached <paramref name="timestamp"/> at the task's input (it only advances), after the due event-time
    /// timers fired and before the watermark goes downstream.
    /// </summary>
    protected virtual void OnWatermark(long timestamp)
    {
    }

    private void OnWatermarkEvent(ChannelEvent @event, int channelIndex)
    {
        _eventTime = true;
        if (@event is Watermark watermark)
        {
            Valve.OnWatermark(channelIndex, watermark.Timestamp);
        }
        else
        {
            Valve.OnStatus(channelIndex, ((WatermarkStatus)@event).IsIdle);
        }
    }

    private void OnChannelEnded(int channelIndex) => Valve.OnEndOfInput(channelIndex);

    /// <summary>
    /// A node of this chain has <c>[Watermarks]</c> (Flink's <c>assignTimestampsAndWatermarks</c> after a transformation):
    /// its outputs' timestamps drive the watermarks this task sends — one split, emitted every interval of the job's
    /// <see cref="TimeProvider"/> — and the input's watermarks stay inside the task (they still fire the head's timers),
    /// except the end of every input, which sends the maximum.
    /// </summary>
    private void StartAssignedWatermarks()
    {
        NodeInfo assigner = Context.Graph.Node(Context.Graph.Chains[Context.ChainIndex].Nodes[0]); // a node with [Watermarks] heads its chain
        if (assigner.Watermarks is null)
        {
            return;
        }
        WatermarkStrategy strategy = Context.Options.Watermarks.TryGetValue(assigner.Name, out WatermarkStrategy? overridden) ? overridden : assigner.Watermarks!;
        _assigned = new SplitWatermarks(strategy, $"node '{assigner.Name}'", Context.Options.TimeProvider, new BroadcastWatermarks(this));
        _assignedSplit = _assigned.AddSplit();
        _emitTimer = Context.Options.TimeProvider.CreateTimer(static task => ((OneInputStreamTask<TIn>)task!).Post(((OneInputStreamTask<TIn>)task!).EmitAssigned),
            this, strategy.EmitInterval, strategy.EmitInterval);
    }

    /// <summary>
    /// <paramref name="records"/> records went down the chain, the latest event time among the assigner's outputs
    /// <paramref name="maxTimestamp"/> (generated code, once per call of <c>ProcessRecords</c> or of a timer handler).
    /// </summary>
    protected void OnEventTime(long maxTimestamp, int records) => _assignedSplit!.OnRecords(maxTimestamp, records);

    private void EmitAssigned()
    {
        if (_assigned is not null && !IsFinished && !IsWaitingForFinalCheckpoint)
        {
            _assigned.EmitPeriodic(backpressured: OutputsBlocked);
        }
    }

    private void StopAssignedWatermarks()
    {
        _emitTimer?.Dispose();
        _emitTimer = null;
    }

    private sealed class ValveOutput(OneInputStreamTask<TIn> task) : IWatermarkOutput
    {
        public void EmitWatermark(long timestamp)
        {
            // Timers fire even without watermarks upstream: the end of every input is the maximum watermark (as in Flink).
            task.FireEventTimers(timestamp);
            task.OnWatermark(timestamp);
            if (task._assigned is { } assigned)
            {
                if (timestamp == long.MaxValue)
                {
                    task.StopAssignedWatermarks();
                    assigned.EndOfInput(); // every input ended: the maximum, after the timers' outputs
                }
            }
            else if (task._eventTime)
            {
                task.BroadcastEvent(timestamp == long.MaxValue ? Watermark.Max : new Watermark(timestamp));
            }
        }

        public void EmitStatus(bool idle)
        {
            if (task._eventTime && task._assigned is null)
            {
                task.BroadcastEvent(idle ? WatermarkStatus.Idle : WatermarkStatus.Active);
            }
        }
    }
}
