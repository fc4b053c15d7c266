using DslFlow.Channels;

namespace DslFlow.Checkpointing;

/// <summary>
/// Marks, in every channel, the point that separates the records of checkpoint <see cref="CheckpointId"/> from the
/// records after it. Injected at the sources, aligned (or counted) by every task, forwarded after the task's snapshot.
/// </summary>
/// <param name="checkpointId">The checkpoint's id (increasing).</param>
/// <param name="timestamp">When the coordinator triggered it (Unix milliseconds).</param>
public sealed class CheckpointBarrier(long checkpointId, long timestamp) : ChannelEvent
{
    /// <summary>The checkpoint's id.</summary>
    public long CheckpointId { get; } = checkpointId;

    /// <summary>When the checkpoint was triggered (Unix milliseconds).</summary>
    public long Timestamp { get; } = timestamp;

    /// <inheritdoc />
    public override string ToString() => $"Barrier({CheckpointId})";
}

/// <summary>Tells downstream tasks to stop aligning on a checkpoint that was aborted upstream.</summary>
/// <param name="checkpointId">The aborted checkpoint's id.</param>
public sealed class CancelCheckpointMarker(long checkpointId) : ChannelEvent
{
    /// <summary>The aborted checkpoint's id.</summary>
    public long CheckpointId { get; } = checkpointId;

    /// <inheritdoc />
    public override string ToString() => $"CancelCheckpoint({CheckpointId})";
}
