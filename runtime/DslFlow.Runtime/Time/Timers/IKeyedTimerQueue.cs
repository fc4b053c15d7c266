namespace DslFlow.Time.Timers;

/// <summary>
/// One kind of keyed timers (event time or processing time) of one subtask, kept by its keyed state backend (Flink's
/// <c>KeyGroupedInternalPriorityQueue</c> from <c>PriorityQueueSetFactory</c>): at most one timer per key and time, due
/// timers taken in time order, deletable. The heap backend keeps them in memory, RocksDB in a column family, the
/// changelog logs every change of the queue it wraps; checkpoints save and restore them with the backend's keyed state,
/// per key group. Task thread only.
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
internal interface IKeyedTimerQueue<TKey>
    where TKey : notnull
{
    /// <summary>The queue's name in checkpoints: <c>Node.$timers.event</c> or <c>Node.$timers.processing</c>.</summary>
    string Name { get; }

    /// <summary>Timers registered and not fired or deleted.</summary>
    int Count { get; }

    /// <summary>The earliest timer's time, or null when none is registered.</summary>
    long? NextTime { get; }

    /// <summary>Registers a timer for <paramref name="key"/> (whose stable hash is <paramref name="stableHash"/>) at <paramref name="time"/>; false when it already was.</summary>
    bool Register(TKey key, int stableHash, long time);

    /// <summary>Deletes the timer of <paramref name="key"/> at <paramref name="time"/>; false when there was none.</summary>
    bool Delete(TKey key, int stableHash, long time);

    /// <summary>
    /// Takes the earliest timer if it is due (its time at or before <paramref name="time"/>). One at a time, so a timer that
    /// fires may register another that is due too, which then comes out in turn (as in Flink).
    /// </summary>
    bool TryTakeDue(long time, out TKey key, out int stableHash, out long timerTime);

    /// <summary>Drops every timer (processing-time timers at the end of input: they no longer fire, nor restore).</summary>
    void Clear();
}
