namespace DslFlow;

/// <summary>
/// The timers of a keyed node for the current record's key (Flink's <c>TimerService</c>): register or delete a timer in
/// event time (fires once the input watermark reaches it) or in processing time (fires once the job's
/// <see cref="TimeProvider"/> reaches it). A key has at most one timer per time and kind; a timer fires once, with its
/// key's state in scope. Timers are keyed state: checkpointed, restored and redistributed with the key's other state.
/// </summary>
public abstract class TimerService
{
    private protected TimerService()
    {
    }

    /// <summary>The node's input watermark (Unix milliseconds; <see cref="long.MinValue"/> before the first).</summary>
    public abstract long CurrentWatermark { get; }

    /// <summary>Now, by the job's <see cref="TimeProvider"/> (Unix milliseconds).</summary>
    public abstract long CurrentProcessingTime { get; }

    /// <summary>
    /// A timer for the current key at event time <paramref name="time"/> (Unix milliseconds); one at or before the current
    /// watermark fires at the next watermark. Registering it again is a no-op.
    /// </summary>
    public abstract void RegisterEventTimeTimer(long time);

    /// <summary>Deletes the current key's event-time timer at <paramref name="time"/>, if there is one.</summary>
    public abstract void DeleteEventTimeTimer(long time);

    /// <summary>A timer for the current key at processing time <paramref name="time"/> (Unix milliseconds).</summary>
    public abstract void RegisterProcessingTimeTimer(long time);

    /// <summary>Deletes the current key's processing-time timer at <paramref name="time"/>, if there is one.</summary>
    public abstract void DeleteProcessingTimeTimer(long time);
}
