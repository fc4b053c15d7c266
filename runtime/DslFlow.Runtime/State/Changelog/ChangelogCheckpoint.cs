using DslFlow.Checkpointing;

namespace DslFlow.State.Changelog;

/// <summary>
/// What new checkpoints build on: the materialized files (none before the first materialization; several after a
/// rescaled restore) and the restored logs not yet materialized, in order (Flink's <c>ChangelogSnapshotState</c>).
/// </summary>
/// <param name="MaterializationId">The newest materialization in it (0 for none).</param>
/// <param name="Files">The materialization state files.</param>
/// <param name="RestoredLogs">Logs of the restored checkpoint that no materialization of this run covers yet.</param>
/// <param name="UpTo">Where this run's log part starts.</param>
internal sealed record ChangelogBase(long MaterializationId, IReadOnlyList<StateHandle> Files,
    IReadOnlyList<IReadOnlyList<ChangelogSegment>> RestoredLogs, long UpTo)
{
    /// <summary>Nothing materialized, nothing restored.</summary>
    public static readonly ChangelogBase Empty = new(0, [], [], 0);
}

/// <summary>
/// What a changelog subtask contributes to a checkpoint: its base and the ordered log segments of this run since it
/// (Flink's <c>ChangelogStateBackendHandleImpl</c>).
/// </summary>
/// <param name="CheckpointId">The checkpoint.</param>
/// <param name="Base">The materialization(s) and restored logs it builds on.</param>
/// <param name="From">The first change set of this run's log it covers.</param>
/// <param name="To">The exclusive end of it.</param>
/// <param name="Log">This run's log part, once durable (the asynchronous part waits for it).</param>
internal sealed record ChangelogCheckpoint(long CheckpointId, ChangelogBase Base, long From, long To,
    Task<IReadOnlyList<ChangelogSegment>> Log);

/// <summary>One old subtask's part of a restored changelog checkpoint.</summary>
/// <param name="Materialized">Its materialization files.</param>
/// <param name="MaterializationId">Its newest materialization id (0 for none).</param>
/// <param name="Logs">Its logs since them, in order (restored ones first, then its own run's).</param>
internal sealed record ChangelogRestorePart(IReadOnlyList<StateHandle> Materialized, long MaterializationId,
    IReadOnlyList<IReadOnlyList<ChangelogSegment>> Logs);

/// <summary>What <see cref="ChangelogKeyedStateBackend.TryMaterialize()"/> did.</summary>
internal enum MaterializationStart
{
    /// <summary>A materialization started.</summary>
    Started,

    /// <summary>Nothing changed since the last one.</summary>
    NothingChanged,

    /// <summary>The previous one is neither confirmed by a completed checkpoint nor failed yet (at most one at a time).</summary>
    PreviousPending,
}
