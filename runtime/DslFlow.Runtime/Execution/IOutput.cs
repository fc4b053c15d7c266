namespace DslFlow.Execution;

/// <summary>Where a task's chain ends: a writer to downstream channels, or a chained sink.</summary>
internal interface IOutput
{
    /// <summary>True while this output waits for credit; the task must not process more records.</summary>
    bool IsBlocked { get; }

    /// <summary>Records this output passed on.</summary>
    long RecordsOut { get; }

    /// <summary>True for a chained sink.</summary>
    bool IsSink { get; }

    /// <summary>
    /// True once every downstream receiver took this output's end of input, so everything it sent was processed
    /// (a chained sink: always).
    /// </summary>
    bool IsDrained { get; }

    /// <summary>Sends partially filled buffers (the task is idle, or a barrier follows).</summary>
    void FlushPartial();

    /// <summary>Sends partial buffers, then the event to every downstream channel (a chained sink only flushes).</summary>
    void Broadcast(DslFlow.Channels.ChannelEvent @event);

    /// <summary>Sends partial buffers, then the event ahead of every buffer still queued (unaligned barriers).</summary>
    void BroadcastPriority(DslFlow.Channels.ChannelEvent @event);

    /// <summary>A checkpoint completed: a transactional sink commits what it sealed up to it.</summary>
    void NotifyCheckpointComplete(long checkpointId);

    /// <summary>The checkpoint was aborted (a sink's writer hears of it).</summary>
    void NotifyCheckpointAborted(long checkpointId);

    /// <summary>The task's input ended: flush, then tell downstream (or commit the sink).</summary>
    void Finish();

    /// <summary>Releases resources after the task stopped, whether it finished, failed or was cancelled.</summary>
    void Release();
}
