namespace DslFlow.Time.Timers;

/// <summary>
/// What a task drives of a keyed node's timers, whatever the key type: event time advancing, processing time reached.
/// (Their queues are keyed state of the node's backend, which saves and restores them.)
/// </summary>
internal interface IKeyedTimers
{
    /// <summary>The node the timers belong to.</summary>
    string Node { get; }

    /// <summary>Timers registered and not fired or deleted, of both kinds.</summary>
    int Pending { get; }

    /// <summary>The earliest processing-time timer, or null.</summary>
    long? NextProcessingTime { get; }

    /// <summary>Called with the new earliest processing-time timer when a registration brought it forward.</summary>
    Action<long>? ProcessingTimeRequested { set; }

    /// <summary>Fires every event-time timer at or before <paramref name="watermark"/>, in time order; returns how many fired.</summary>
    int AdvanceWatermark(long watermark);

    /// <summary>Fires every processing-time timer at or before <paramref name="now"/>, in time order; returns how many fired.</summary>
    int FireProcessingTimers(long now);

    /// <summary>The watermark the timers last advanced to (<see cref="long.MinValue"/> before the first).</summary>
    long Watermark { get; }

    /// <summary>
    /// After a restore: event time had reached <paramref name="watermark"/> before the failure, so the timers' watermark
    /// (what <c>CurrentWatermark</c> reports, what due timers are measured against) starts there, not at the minimum.
    /// </summary>
    void RestoreWatermark(long watermark);

    /// <summary>The input ended: pending processing-time timers never fire (as in Flink), so they leave the state too.</summary>
    void DropProcessingTimers();
}
