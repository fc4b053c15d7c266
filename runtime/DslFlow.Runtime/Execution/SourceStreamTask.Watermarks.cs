using DslFlow.Time;

namespace DslFlow.Execution;

/// <summary>
/// Event time at a source that assigns timestamps (its <c>[Watermarks]</c>, or <see cref="PipelineOptions.Watermarks"/>):
/// generated code reports the highest timestamp of the records it ran with <see cref="OnEventTime"/> (once per call of
/// <c>ProcessRecords</c>, before it returns), to the split their batch came from; every <see cref="WatermarkStrategy.EmitInterval"/> of the job's
/// <see cref="TimeProvider"/> a mail emits the per-split minimum (<see cref="SplitWatermarks"/>) behind every record
/// emitted so far. A split that ends holds nothing back; the end of input emits the maximum watermark. Watermarks are
/// not checkpointed: a restored source starts each split's event time over from the records it reads again.
/// </summary>
public abstract partial class SourceStreamTask<T>
{
    private SplitWatermarks? _watermarks;
    private SplitWatermarks.Split? _batchSplit; // the event time of the current batch's split
    private ITimer? _emitTimer;

    /// <summary>The last watermark the source emitted, or null when it assigns none (for metrics).</summary>
    internal override long? InputWatermark => _watermarks is { Current: not long.MinValue } w ? w.Current : null;

    /// <summary>
    /// <paramref name="records"/> records of the current batch went down the chain, the latest event time among them
    /// <paramref name="maxTimestamp"/> (Unix milliseconds; generated code).
    /// </summary>
    protected void OnEventTime(long maxTimestamp, int records) => _batchSplit!.OnRecords(maxTimestamp, records);

    private void StartWatermarks()
    {
        if (ResolveStrategy() is not { } strategy)
        {
            return;
        }
        TimeProvider time = Context.Options.TimeProvider;
        _watermarks = new SplitWatermarks(strategy, $"source '{_sourceName}'", time, new BroadcastWatermarks(this));
        foreach (SourceSplitReader<T> reader in _readers)
        {
            reader.EventTime = _watermarks.AddSplit();
        }
        _emitTimer = time.CreateTimer(static task => ((SourceStreamTask<T>)task!).Post(((SourceStreamTask<T>)task!).EmitPeriodic),
            this, strategy.EmitInterval, strategy.EmitInterval);
    }

    /// <summary>The source's strategy from the options, else its declared one; null when it assigns no timestamps.</summary>
    private WatermarkStrategy? ResolveStrategy()
    {
        NodeInfo node = Context.Graph.Node(_sourceName);
        if (node.Watermarks is null)
        {
            return null; // WatermarkOverrides refused an override for a node without a timestamp assigner
        }
        return Context.Options.Watermarks.TryGetValue(node.Name, out WatermarkStrategy? overridden) ? overridden : node.Watermarks;
    }

    private void EmitPeriodic()
    {
        if (_watermarks is null || IsFinished || IsWaitingForFinalCheckpoint)
        {
            return;
        }
        _watermarks.EmitPeriodic(backpressured: OutputsBlocked); // (this mail itself interrupts a batch: unsent records say nothing)
        if (!_waiting)
        {
            // A split that had nothing at its last read is read again now, rather than once every split had nothing:
            // while another split has a backlog, its own records would otherwise wait, holding event time back.
            ResumeReaders();
        }
    }

    private void EndSplit(SourceSplitReader<T> reader)
    {
        if (reader.EventTime is { } split)
        {
            _watermarks!.RemoveSplit(split);
        }
    }

    private void EndWatermarks()
    {
        StopWatermarks();
        _watermarks?.EndOfInput();
    }

    private void StopWatermarks()
    {
        _emitTimer?.Dispose();
        _emitTimer = null;
    }
}
