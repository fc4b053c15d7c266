namespace DslFlow.Execution;

/// <summary>The states a task declares: what its snapshots copy and what a restore fills.</summary>
public abstract partial class StreamTask
{
    private readonly List<DslFlow.State.IKeyedStateSnapshot> _states = [];
    private readonly List<DslFlow.State.IOperatorStateSnapshot> _operatorStates = [];

    /// <summary>
    /// The synchronous part: every keyed state, every operator list state and the subtask's own state (a source's
    /// position) copied into one encoded snapshot, before any later record can change them. Null when there is nothing
    /// to store.
    /// </summary>
    private byte[]? SnapshotStates()
    {
        if (Context.AcknowledgeCheckpoint is null)
        {
            return null;
        }
        var states = new List<Checkpointing.StateEntry>(_states.Count + _operatorStates.Count + 1);
        foreach (DslFlow.State.IKeyedStateSnapshot state in _states)
        {
            states.Add(new Checkpointing.StateEntry(state.Name, Checkpointing.StateScope.Keyed, state.Snapshot()) { Descriptor = state.Descriptor });
        }
        foreach (DslFlow.State.IOperatorStateSnapshot state in _operatorStates)
        {
            states.Add(new Checkpointing.StateEntry(state.Name, Checkpointing.StateScope.OperatorList, state.Snapshot()) { Descriptor = state.Descriptor });
        }
        SnapshotSubtaskState(states);
        return states.Count == 0 ? null
            : new Checkpointing.TaskStateSnapshot(Context.SubtaskIndex, Context.Parallelism, Context.MaxParallelism, states).Encode();
    }

    /// <summary>Adds the state that belongs to this subtask alone (a source reader's position) to a snapshot.</summary>
    private protected virtual void SnapshotSubtaskState(List<Checkpointing.StateEntry> states)
    {
    }

    /// <summary>
    /// Loads the states this task declares from the restored checkpoint: keyed states keep this subtask's key groups,
    /// operator list states take this subtask's list or its share of the old lists.
    /// </summary>
    private void RestoreStates()
    {
        Checkpointing.RestoredCheckpoint? restored = Context.Restored;
        if (restored is null)
        {
            return;
        }
        foreach (DslFlow.State.IKeyedStateSnapshot state in _states)
        {
            restored.CheckDescriptor(state.Name, state.Descriptor);
        }
        foreach (DslFlow.State.IOperatorStateSnapshot state in _operatorStates)
        {
            restored.CheckDescriptor(state.Name, state.Descriptor);
        }
        RestoreKeyedStates(restored);
        foreach (DslFlow.State.IOperatorStateSnapshot state in _operatorStates)
        {
            try
            {
                state.Restore(restored.OperatorListState(state.Name), Context.SubtaskIndex, Context.Parallelism);
            }
            catch (Exception ex) when (ex is not PipelineExecutionException)
            {
                throw new PipelineExecutionException(Context.TaskName, Context.SubtaskIndex, Context.Parallelism, null,
                    $"could not restore operator state '{state.Name}' from checkpoint {restored.CheckpointId}", ex);
            }
        }
    }

    /// <summary>Loads the keyed states this task declares from the restored checkpoint, keeping this subtask's key groups.</summary>
    private void RestoreKeyedStates(Checkpointing.RestoredCheckpoint restored)
    {
        foreach (DslFlow.State.IKeyedStateSnapshot state in _states)
        {
            foreach (byte[] bytes in restored.KeyedState(state.Name, Context.MaxParallelism))
            {
                try
                {
                    state.Restore(bytes);
                }
                catch (Exception ex) when (ex is not PipelineExecutionException)
                {
                    throw new PipelineExecutionException(Context.TaskName, Context.SubtaskIndex, Context.Parallelism, null,
                        $"could not restore keyed state '{state.Name}' from checkpoint {restored.CheckpointId}", ex);
                }
            }
        }
    }
}
