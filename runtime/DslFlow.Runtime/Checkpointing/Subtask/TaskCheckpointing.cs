namespace DslFlow.Checkpointing;

/// <summary>
/// What a subtask takes checkpoints with, resolved once per run: how barriers are aligned, whom it answers and where its
/// state goes. A task without one takes no checkpoints (checkpoints are off).
/// </summary>
/// <param name="Alignment">How the job's checkpoints are aligned.</param>
/// <param name="Responder">The coordinator's side of the protocol.</param>
/// <param name="Storage">Where the subtask writes its state: the worker view, which cannot complete or delete checkpoints.</param>
internal sealed record TaskCheckpointing(CheckpointAlignment Alignment, ICheckpointResponder Responder, ICheckpointStorageWorkerView Storage)
{
    /// <summary>The attempt's log files and statistics when the changelog is on (<see cref="ChangelogOptions.Enabled"/>); null otherwise.</summary>
    public State.Changelog.TaskChangelog? Changelog { get; init; }
}

/// <summary>Which subtask a <see cref="SubtaskCheckpointCoordinator"/> serves: names of its files and the header of its snapshots.</summary>
internal readonly record struct SubtaskIdentity(string TaskName, int ChainIndex, int SubtaskIndex, int Parallelism, int MaxParallelism)
{
    public string StateFileName => $"t{ChainIndex}-s{SubtaskIndex}.state";

    public string ChannelStateFileName => $"t{ChainIndex}-s{SubtaskIndex}-channels.state";
}

/// <summary>The figures of the alignment that led to a snapshot (zero for sources and final snapshots).</summary>
internal readonly record struct AlignmentFigures(TimeSpan Duration, long ProcessedRecords);
