namespace DslFlow.Checkpointing;

/// <summary>
/// One materialization of a subtask's keyed state by the changelog (Flink's materialization statistics): the wrapped
/// backend's full snapshot, written in the background, after which the log before it can be truncated. In
/// <see cref="CheckpointStats.Materializations"/> and <c>checkpoint-stats.json</c>.
/// </summary>
/// <param name="Id">The subtask's materialization number (1, 2, …, continued across restores).</param>
/// <param name="TaskName">The task.</param>
/// <param name="SubtaskIndex">The subtask.</param>
/// <param name="StartedAt">When its synchronous part froze the state.</param>
/// <param name="Duration">From the start to its file being written, or to its failure.</param>
/// <param name="FailureReason">Why it failed, or null when it completed.</param>
public sealed record MaterializationRecord(long Id, string TaskName, int SubtaskIndex, DateTimeOffset StartedAt, TimeSpan Duration,
    string? FailureReason)
{
    /// <summary>True when its file was written; a checkpoint that completes after it then builds on it.</summary>
    public bool Completed => FailureReason is null;

    /// <summary>
    /// Bytes of state the materialization references (Flink's <c>lastFullSizeOfMaterialization</c>); 0 when it failed.
    /// </summary>
    public long FullSize { get; init; }

    /// <summary>
    /// Bytes it wrote that no earlier materialization had (Flink's <c>lastIncSizeOfMaterialization</c>). The heap
    /// backend writes its whole state each time, so this equals <see cref="FullSize"/>; 0 when it failed.
    /// </summary>
    public long IncrementalSize { get; init; }
}
