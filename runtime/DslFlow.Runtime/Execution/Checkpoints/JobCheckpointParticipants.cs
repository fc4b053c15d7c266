using DslFlow.Checkpointing;

namespace DslFlow.Execution;

/// <summary>The coordinator's view of a running job: its subtasks (numbered by their place in the job) and storage.</summary>
internal sealed class JobCheckpointParticipants(IReadOnlyList<StreamTask> tasks, ICheckpointStorageCoordinatorView storage, TimeProvider time,
    JobIdentity? job = null, string? graphFingerprint = null, IReadOnlyList<ISinkCommitter>? sinkCommitters = null) : ICheckpointParticipants
{
    private readonly IReadOnlyList<ISinkCommitter> committers = sinkCommitters ?? [];
    private CheckpointCoordinator? _coordinator;

    public int SubtaskCount => tasks.Count;

    /// <summary>Connects the coordinator, which triggers the barriers this injects.</summary>
    public void Attach(CheckpointCoordinator coordinator) => _coordinator = coordinator;

    /// <summary>
    /// A subtask's input ended: barriers of checkpoints in progress can no longer reach it through its channels (its
    /// upstream may have ended before forwarding them), so it gets them directly; then, if every input ended, one more
    /// checkpoint commits the last records.
    /// </summary>
    public void OnInputEnded(int subtask)
    {
        foreach (CheckpointBarrier barrier in _coordinator?.PendingFor(subtask) ?? [])
        {
            tasks[subtask].TriggerFinalSnapshot(barrier);
        }
        TriggerFinalIfAllInputsEnded();
    }

    /// <summary>Once every subtask's input ended, one more checkpoint commits the last records.</summary>
    public void TriggerFinalIfAllInputsEnded()
    {
        if (tasks.All(t => t.IsWaitingForFinalCheckpoint || t.IsFinished) &&
            tasks.Any(t => t.IsWaitingForFinalCheckpoint && !t.HasFinalSnapshot))
        {
            _coordinator?.TriggerNow();
        }
    }

    public void InjectBarrier(CheckpointBarrier barrier)
    {
        for (int i = 0; i < tasks.Count; i++)
        {
            StreamTask task = tasks[i];
            bool accepted = task.IsWaitingForFinalCheckpoint
                ? task.TriggerFinalSnapshot(barrier)
                : task is ISourceTask source && source.TriggerCheckpoint(barrier);
            // A finished subtask's state is final and no barrier can reach it: it acknowledges at once.
            if (task.IsFinished && !accepted)
            {
                task.AcknowledgeAfterFinish(barrier.CheckpointId);
            }
        }
    }

    /// <summary>Writes the metadata last: from then on the checkpoint counts as completed, even after a crash.</summary>
    public Task PersistAsync(long checkpointId, DateTimeOffset triggeredAt, IReadOnlyList<IReadOnlyList<StateHandle>> stateBySubtask)
    {
        var states = new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>();
        for (int i = 0; i < tasks.Count; i++)
        {
            if (stateBySubtask[i] is { Count: > 0 } handles)
            {
                states[new OperatorSubtaskId(tasks[i].Context.TaskName, tasks[i].Context.SubtaskIndex)] = handles;
            }
        }
        return storage.CompleteCheckpointAsync(new CheckpointMetadata(checkpointId, triggeredAt, time.GetUtcNow(), states)
        {
            Job = job,
            GraphFingerprint = graphFingerprint,
        });
    }

    public void NotifyComplete(long checkpointId)
    {
        // Fenced like the writers: once the run failed or was cancelled, recovery decides what its transactions become.
        if (job is not null && tasks.Count > 0 && !tasks[0].Context.Cancellation.IsCancellationRequested)
        {
            foreach (ISinkCommitter committer in committers)
            {
                committer.OnCheckpointCompleted(job.JobId, checkpointId);
            }
        }
        foreach (StreamTask task in tasks)
        {
            task.NotifyCheckpointComplete(checkpointId);
        }
    }

    /// <summary>A checkpoint ended without covering every waiting subtask: try again.</summary>
    public void CheckpointEnded() => TriggerFinalIfAllInputsEnded();

    public void NotifyAborted(long checkpointId)
    {
        try
        {
            storage.AbortCheckpoint(checkpointId); // deletes whatever was written for it
        }
        catch (Exception)
        {
            // Leftovers of an aborted checkpoint are removed by the next start's clean-up. Whatever the storage threw,
            // the tasks must still hear of the abort and the coordinator must still count the failure.
        }
        foreach (StreamTask task in tasks)
        {
            task.NotifyCheckpointAborted(checkpointId);
        }
    }
}
