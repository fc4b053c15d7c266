using System.Runtime.ExceptionServices;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;

namespace DslFlow.Execution;

/// <summary>
/// The states a task declares: the factories generated chain classes call from <see cref="Open"/>, what its snapshots
/// copy and what a restore fills. <see cref="TaskStates"/> keeps them; the task reports their failures as its own.
/// </summary>
public abstract partial class StreamTask
{
    private TaskStates? _declaredStates;

    private protected TaskStates DeclaredStates => _declaredStates ??= new TaskStates(Context.TaskName, CreateKeyedBackend(),
        Context.Options.StateBackend, Context.SubtaskIndex, Context.Parallelism, Context.MaxParallelism, Context.Checkpointing?.Storage);

    /// <summary>The backend <see cref="PipelineOptions.StateBackend"/> selects, wrapped by the changelog when it is on.</summary>
    private IKeyedStateBackend CreateKeyedBackend()
    {
        IKeyedStateBackend backend = KeyedStateBackends.Create(Context.Options.StateBackend, Context.KeyGroupRange, Context.MaxParallelism,
            $"{Context.Options.JobName ?? Context.Graph.Name}/{Context.TaskName}-{Context.SubtaskIndex}", Context.Logger);
        if (Context.Checkpointing is not { Changelog: { } changelog } checkpointing)
        {
            return backend;
        }
        ChangelogOptions options = Context.Options.Changelog;
        string owner = $"{Context.TaskName}-{Context.SubtaskIndex}";
        var log = new StateChangelogWriter(owner, changelog.Uploader, options.PreemptivePersistThreshold, Context.Logger, Context.Cancellation);
        return new ChangelogKeyedStateBackend(backend, log, checkpointing.Storage, owner, Context.SubtaskIndex, Context.Parallelism,
            Context.MaxParallelism, options.MaxMaterializationFailures, Context.Logger, options.MaterializationInterval,
            Context.Options.TimeProvider, Context.Options.JobName ?? Context.Graph.Name, Context.TaskName, changelog.ReportMaterialization);
    }

    /// <summary>
    /// Creates one keyed list- or map-state parameter over this subtask's key groups, in the job's state backend. Without
    /// serializers, snapshots look them up at run time (<see cref="Serialization.Serializers.For{T}"/>).
    /// </summary>
    protected KeyedState<TKey, TCell> CreateKeyedState<TKey, TCell>(string stateName,
        ISerializer<TKey>? keySerializer = null, ISerializer<TCell>? cellSerializer = null)
        where TKey : notnull
        where TCell : class, IStateCell, new() =>
        DeclaredStates.CreateKeyedState(stateName, keySerializer, cellSerializer);

    /// <summary>
    /// Creates one keyed <see cref="ValueState{T}"/> parameter over this subtask's key groups, in the job's state backend. Without
    /// serializers, snapshots look them up at run time (<see cref="Serialization.Serializers.For{T}"/>).
    /// </summary>
    protected KeyedState<TKey, T> CreateValueState<TKey, T>(string stateName,
        ISerializer<TKey>? keySerializer = null, ISerializer<T>? valueSerializer = null)
        where TKey : notnull =>
        DeclaredStates.CreateValueState(stateName, keySerializer, valueSerializer);

    /// <summary>
    /// Creates one operator list state of this subtask (a node's <see cref="OperatorListState{T}"/> parameter, keyed or
    /// not). Checkpoints save it under <paramref name="stateName"/>, <c>Node.parameter</c>; a restore gives each subtask
    /// its own list back, or an even split of all old lists when the parallelism changed. Without a serializer,
    /// snapshots look it up at run time (<see cref="Serialization.Serializers.For{T}"/>).
    /// </summary>
    protected OperatorListState<T> CreateOperatorListState<T>(string stateName, ISerializer<T>? elementSerializer = null) =>
        DeclaredStates.CreateOperatorListState(stateName, elementSerializer);

    /// <summary>
    /// The synchronous part: every keyed state frozen, every operator list state and the subtask's own state (a source's
    /// position) copied, before any later record can change them. Null when checkpoints are off.
    /// </summary>
    private Checkpointing.TaskSnapshot? SnapshotStates(long checkpointId)
    {
        if (!SubtaskCheckpoints.Enabled)
        {
            return null; // nothing is stored without checkpoints
        }
        try
        {
            return SnapshotDeclaredStates(checkpointId);
        }
        catch (TaskStateException ex)
        {
            throw Failed(ex);
        }
    }

    /// <summary>The synchronous part of a snapshot of the declared states, on the task thread (the one-task test harness).</summary>
    internal Checkpointing.TaskSnapshot SnapshotDeclaredStates(long checkpointId) => DeclaredStates.Snapshot(checkpointId, states =>
    {
        SnapshotSubtaskState(states);
        SnapshotSinkStates(checkpointId, states);
    });

    /// <summary>The states of checkpointed sink writers chained into this task.</summary>
    private void SnapshotSinkStates(long checkpointId, List<Checkpointing.StateEntry> states)
    {
        foreach (IOutput output in _outputs)
        {
            (output as ICheckpointedOutput)?.SnapshotState(checkpointId, states);
        }
    }

    /// <summary>Adds the state that belongs to this subtask alone (a source reader's position) to a snapshot.</summary>
    private protected virtual void SnapshotSubtaskState(List<Checkpointing.StateEntry> states)
    {
    }

    /// <summary>Loads the states this task declares from the restored checkpoint, if any.</summary>
    private void RestoreStates()
    {
        if (Context.Restored is { } restored)
        {
            try
            {
                DeclaredStates.Restore(restored);
            }
            catch (TaskStateException ex)
            {
                throw Failed(ex);
            }
        }
    }

    /// <summary>A state failure as this task's failure; one already naming a node (thrown by user code) is rethrown as it is.</summary>
    private PipelineExecutionException Failed(TaskStateException ex)
    {
        Exception cause = ex.InnerException!;
        if (cause is PipelineExecutionException named)
        {
            ExceptionDispatchInfo.Capture(named).Throw();
        }
        return new PipelineExecutionException(Context.TaskName, Context.SubtaskIndex, Context.Parallelism, null, ex.Problem, cause);
    }
}
