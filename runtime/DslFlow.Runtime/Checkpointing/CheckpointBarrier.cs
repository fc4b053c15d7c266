using DslFlow.Channels;

namespace DslFlow.Checkpointing;

/// <summary>
/// Marks, in every channel, the point that separates the records of checkpoint <see cref="CheckpointId"/> from the
/// records after it. Injected at the sources, aligned (or counted) by every task, forwarded after the task's snapshot.
/// It says what it is (<see cref="Alignment"/>): a task handles it by its kind, not by the queue it came through.
/// </summary>
/// <param name="checkpointId">The checkpoint's id (increasing).</param>
/// <param name="timestamp">When the coordinator triggered it (Unix milliseconds).</param>
/// <param name="alignment">How the checkpoint is aligned; <see cref="CheckpointAlignment.Aligned"/> when not given.</param>
public sealed class CheckpointBarrier(long checkpointId, long timestamp, CheckpointAlignment? alignment = null) : ChannelEvent
{
    /// <summary>The checkpoint's id.</summary>
    public long CheckpointId { get; } = checkpointId;

    /// <summary>When the checkpoint was triggered (Unix milliseconds).</summary>
    public long Timestamp { get; } = timestamp;

    /// <summary>
    /// How the checkpoint is aligned. A barrier that overtakes the records before it (sent as a priority event, or
    /// promoted in its queue when the aligned timeout elapsed) is <see cref="CheckpointAlignment.Unaligned"/>.
    /// </summary>
    public CheckpointAlignment Alignment { get; } = alignment ?? CheckpointAlignment.Aligned;

    /// <summary>True for a barrier that overtakes in-flight records (its receiver persists them as channel state).</summary>
    public bool IsUnaligned => Alignment.IsUnaligned;

    /// <summary>When an aligned-with-timeout checkpoint turns unaligned (trigger time plus the timeout), or null.</summary>
    public DateTimeOffset? AlignedDeadline => Alignment.Timeout is { } timeout ? DateTimeOffset.FromUnixTimeMilliseconds(Timestamp) + timeout : null;

    /// <summary>The same barrier, overtaking the records before it.</summary>
    public CheckpointBarrier AsUnaligned() => IsUnaligned ? this : new(CheckpointId, Timestamp, CheckpointAlignment.Unaligned);

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
