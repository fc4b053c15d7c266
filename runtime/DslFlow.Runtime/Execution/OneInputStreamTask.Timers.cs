using DslFlow.Serialization;
using DslFlow.Time.Timers;

namespace DslFlow.Execution;

/// <summary>
/// Keyed timers of the chain's head (a keyed node always heads its chain): generated code creates them in <c>Open</c>;
/// the task fires event-time timers when its input watermark advances, before the watermark goes downstream, and
/// processing-time timers when the job's <see cref="TimeProvider"/> reaches them, between two records. Timers are
/// keyed state: their queues belong to the task's keyed backend, which snapshots and restores them with the node's
/// other state. Once the input
/// ended, processing-time timers no longer fire (as in Flink); event-time timers all fired at the maximum watermark.
/// </summary>
public abstract partial class OneInputStreamTask<TIn>
{
    private IKeyedTimers[] _timers = []; // replaced, never changed: metrics read it from other threads
    private ProcessingTimeTrigger? _processingTime;

    /// <summary>
    /// Creates the timers of keyed node <paramref name="node"/> over this subtask's key groups; every fired timer goes to
    /// <paramref name="onTimer"/> with its key current. Without a serializer, snapshots look it up at run time.
    /// </summary>
    protected KeyedTimers<TKey> CreateTimers<TKey>(string node, ISerializer<TKey>? keySerializer, TimerCallback<TKey> onTimer)
        where TKey : notnull
    {
        ISerializer<TKey> keys = keySerializer ?? Serializers.For<TKey>();
        var timers = new KeyedTimers<TKey>(node,
            DeclaredStates.CreateTimerQueue(TimerQueueNames.Of(node, TimeDomain.EventTime), keys),
            DeclaredStates.CreateTimerQueue(TimerQueueNames.Of(node, TimeDomain.ProcessingTime), keys),
            Context.Options.TimeProvider, onTimer);
        ((IKeyedTimers)timers).ProcessingTimeRequested = at => ProcessingTime.Request(at);
        _timers = [.. _timers, timers];
        return timers;
    }

    /// <summary>A fired timer, as a failure of its handler names it in place of a record (generated code).</summary>
    protected static object TimerDescription<TKey>(TKey key, long time, TimeDomain domain) => new FiredTimer(key, time, domain);

    /// <summary>Timers registered and not fired or deleted, over the task's keyed nodes.</summary>
    internal int TimersPending => _timers.Sum(t => t.Pending);

    /// <summary>True when a node of the chain has timers.</summary>
    internal bool HasTimers => _timers.Length > 0;

    private ProcessingTimeTrigger ProcessingTime =>
        _processingTime ??= new ProcessingTimeTrigger(Context.Options.TimeProvider, () => Post(FireProcessingTimers));

    /// <summary>Event time advanced: every due event-time timer fires, in time order, before the watermark goes on.</summary>
    private void FireEventTimers(long watermark)
    {
        foreach (IKeyedTimers timers in _timers)
        {
            timers.AdvanceWatermark(watermark);
        }
    }

    /// <summary>
    /// A processing-time wake-up (on the task thread, between two records): fires what is due, sends what the timers
    /// emitted (an idle task would otherwise hold it until its next input), then waits for the next timer.
    /// </summary>
    private void FireProcessingTimers()
    {
        if (IsFinished || IsWaitingForFinalCheckpoint)
        {
            return;
        }
        long now = Context.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        int fired = 0;
        foreach (IKeyedTimers timers in _timers)
        {
            fired += timers.FireProcessingTimers(now);
            if (timers.NextProcessingTime is long next)
            {
                ProcessingTime.Request(next);
            }
        }
        if (fired > 0)
        {
            FlushOutputs();
        }
    }

    /// <summary>
    /// A checkpoint keeps how far event time had come (the timers' watermark), so that after a restore the node sees the
    /// same <c>CurrentWatermark</c> it saw before the failure rather than the minimum: a record the failed run would have
    /// found late is late for the restored one too. Stored per subtask; a restore — rescaled or not — takes the minimum
    /// over every old subtask's, which never runs ahead of any key's event time.
    /// </summary>
    private protected override void SnapshotSubtaskState(List<Checkpointing.StateEntry> states)
    {
        foreach (IKeyedTimers timers in _timers)
        {
            // The maximum (every input ended) is not a floor a later run could live with: it would make every record late.
            if (timers.Watermark is long watermark and not long.MaxValue)
            {
                byte[] bytes = new byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes, watermark);
                states.Add(new Checkpointing.StateEntry(Checkpointing.RestoredCheckpoint.WatermarkName(timers.Node), Checkpointing.StateScope.OperatorList, bytes));
            }
        }
    }

    /// <summary>The restored floor of each node's timers' watermark: the minimum over the old subtasks that saved one.</summary>
    private void RestoreTimerWatermark()
    {
        if (Context.Restored is not { } restored)
        {
            return;
        }
        foreach (IKeyedTimers timers in _timers)
        {
            IReadOnlyList<State.OperatorListPart> parts = restored.OperatorListState(Checkpointing.RestoredCheckpoint.WatermarkName(timers.Node));
            if (parts.Count == 0)
            {
                continue;
            }
            long floor = long.MaxValue;
            foreach (State.OperatorListPart part in parts)
            {
                floor = Math.Min(floor, part.Bytes.Length == 8 ? System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(part.Bytes) : long.MinValue);
            }
            timers.RestoreWatermark(floor);
        }
    }

    /// <summary>After a restore, the restored processing-time timers need their wake-up (due ones fire at once).</summary>
    private void ScheduleRestoredTimers()
    {
        foreach (IKeyedTimers timers in _timers)
        {
            if (timers.NextProcessingTime is long next)
            {
                ProcessingTime.Request(next);
            }
        }
    }

    private void StopProcessingTime() => _processingTime?.Stop();

    /// <summary>The input ended: processing time stops, and the pending processing-time timers leave the state.</summary>
    private void EndProcessingTime()
    {
        StopProcessingTime();
        foreach (IKeyedTimers timers in _timers)
        {
            timers.DropProcessingTimers();
        }
    }
}
