using DslFlow.Checkpointing;

namespace DslFlow.Execution;

/// <summary>
/// The coordinator's side of every subtask's <see cref="ICheckpointResponder"/> in one execution attempt. The tasks'
/// contexts hold their responders from the start; the attempt connects the coordinator once it exists (it needs the
/// tasks), before any task starts, so no answer can arrive unconnected.
/// </summary>
internal sealed class AttemptCheckpointResponders
{
    private CheckpointCoordinator? _coordinator;
    private JobCheckpointParticipants? _participants;

    /// <summary>The responder of the subtask at <paramref name="subtask"/> in the job's task list.</summary>
    public ICheckpointResponder For(int subtask) => new SubtaskResponder(this, subtask);

    /// <summary>Connects the attempt's coordinator and its view of the tasks.</summary>
    public void Connect(CheckpointCoordinator coordinator, JobCheckpointParticipants participants)
    {
        _participants = participants;
        Volatile.Write(ref _coordinator, coordinator);
    }

    private CheckpointCoordinator Coordinator => Volatile.Read(ref _coordinator)
        ?? throw new InvalidOperationException("A subtask answered a checkpoint before its coordinator was connected.");

    private sealed class SubtaskResponder(AttemptCheckpointResponders owner, int subtask) : ICheckpointResponder
    {
        public void Acknowledge(long checkpointId, IReadOnlyList<StateHandle> state, SubtaskCheckpointStats stats) =>
            owner.Coordinator.Acknowledge(checkpointId, subtask, state, stats);

        public void Decline(long checkpointId, string reason, CheckpointFailureCategory category, SubtaskCheckpointStats? stats) =>
            owner.Coordinator.Decline(checkpointId, subtask, reason, category, stats);

        public void ReportInputEnded()
        {
            _ = owner.Coordinator;
            owner._participants!.OnInputEnded(subtask);
        }
    }
}
