using DslFlow.Checkpointing;
using DslFlow.Serialization;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;
using DslFlow.Time.Timers;

namespace DslFlow.State;

/// <summary>
/// The states one subtask declares (keyed states in its <see cref="IKeyedStateBackend"/>, operator list states):
/// created once by the generated chain's <c>Open</c>, snapshotted for every checkpoint and filled from a restored one.
/// Lives apart from the task so state handling needs only the subtask's position, not the task that runs it.
/// </summary>
internal sealed class TaskStates(string taskName, IKeyedStateBackend keyed, StateBackendOptions options, int subtaskIndex,
    int parallelism, int maxParallelism, ICheckpointStorageWorkerView? storage = null) : IDisposable
{
    private readonly List<IOperatorStateSnapshot> _operator = [];

    // How to replay a changelog checkpoint into each keyed state when this subtask's backend has no changelog.
    private readonly List<Func<int, IChangelogState>> _replayOnly = [];

    // Each timer queue's restore from a separate section (how checkpoints kept timers before they moved into backends).
    private readonly List<(string Name, KeyGroupBlockReader Restore)> _timerSections = [];

    /// <summary>One keyed list- or map-state parameter; without serializers snapshots look them up at run time.</summary>
    public KeyedState<TKey, TCell> CreateKeyedState<TKey, TCell>(string stateName, ISerializer<TKey>? keySerializer, ISerializer<TCell>? cellSerializer)
        where TKey : notnull
        where TCell : class, IStateCell, new()
    {
        KeyedStateKind kind = typeof(TCell).IsGenericType && typeof(TCell).GetGenericTypeDefinition() == typeof(MapCell<,>)
            ? KeyedStateKind.Map : KeyedStateKind.List;
        return Create(new KeyedStateDescriptor<TKey, TCell>(stateName, kind, keySerializer, cellSerializer));
    }

    /// <summary>One keyed <see cref="ValueState{T}"/> parameter; without serializers snapshots look them up at run time.</summary>
    public KeyedState<TKey, T> CreateValueState<TKey, T>(string stateName, ISerializer<TKey>? keySerializer, ISerializer<T>? valueSerializer)
        where TKey : notnull =>
        Create(new KeyedStateDescriptor<TKey, T>(stateName, KeyedStateKind.Value, keySerializer, valueSerializer));

    /// <summary>One operator list state, saved under <paramref name="stateName"/> (<c>Node.parameter</c>).</summary>
    public OperatorListState<T> CreateOperatorListState<T>(string stateName, ISerializer<T>? elementSerializer)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        CheckNewName(stateName);
        var state = new OperatorListState<T>();
        _operator.Add(new OperatorListStateSnapshot<T>(stateName, state, elementSerializer));
        return state;
    }

    /// <summary>One timer queue of a keyed node, kept by the keyed backend and saved with its state.</summary>
    public IKeyedTimerQueue<TKey> CreateTimerQueue<TKey>(string queueName, ISerializer<TKey> keySerializer)
        where TKey : notnull
    {
        CheckNewName(queueName);
        var descriptor = new TimerQueueDescriptor<TKey>(queueName, keySerializer);
        IKeyedTimerQueue<TKey> queue = keyed.GetOrCreateTimerQueue(descriptor);
        _replayOnly.Add(id => new ChangelogTimerQueue<TKey>(queue, descriptor, id, log: null, maxParallelism));
        _timerSections.Add((queueName, (group, count, entries) => RegisterAll(queue, keySerializer, group, count, entries)));
        return queue;
    }

    /// <summary>Registers the timers of one key-group block of the common format (<c>int32 hash, key, int64 time</c> each).</summary>
    private void RegisterAll<TKey>(IKeyedTimerQueue<TKey> queue, ISerializer<TKey> keys, int keyGroup, int count, ReadOnlySpan<byte> entries)
        where TKey : notnull
    {
        var reader = new StateReader(entries);
        for (int e = 0; e < count; e++)
        {
            int hash = reader.ReadInt32();
            if (KeyGroups.Assign(hash, maxParallelism) != keyGroup)
            {
                throw reader.Malformed($"a timer's hash 0x{hash:x8} belongs to key group {KeyGroups.Assign(hash, maxParallelism)}, not to the block's key group {keyGroup}");
            }
            TKey key = keys.Read(ref reader) ?? throw reader.Malformed("a timer's key is null, which no writer saves");
            queue.Register(key, hash, reader.ReadInt64());
        }
        reader.ExpectEnd();
    }

    /// <summary>
    /// Timers a checkpoint kept beside the backend's own part, in sections of the common format (checkpoints taken before
    /// timers moved into the backends): registered into the backend's queues, so an upgrade loses none. A checkpoint of
    /// this version has no such sections beside a native or changelog part.
    /// </summary>
    private void RestoreTimerSections(RestoredCheckpoint restored)
    {
        foreach ((string name, KeyGroupBlockReader restore) in _timerSections)
        {
            Restore(() => restored.ReadKeyGroups(name, keyed.KeyGroups, restore),
                $"could not restore the timers '{name}' from checkpoint {restored.CheckpointId}");
        }
    }

    /// <summary>
    /// The synchronous part of a checkpoint: keyed state frozen by its backend (serialized later, off the task thread,
    /// unless <see cref="StateBackendOptions.AsynchronousSnapshots"/> is off), operator list states copied, with room
    /// left for the subtask's own state (a source's position) in <paramref name="subtaskState"/>.
    /// </summary>
    /// <exception cref="TaskStateException">A state could not be copied (its serializer refused a value); names the state.</exception>
    public TaskSnapshot Snapshot(long checkpointId, Action<List<StateEntry>> subtaskState)
    {
        var states = new List<StateEntry>(_operator.Count + 1);
        foreach (IOperatorStateSnapshot state in _operator)
        {
            byte[] bytes = Snapshot(state.Snapshot, "operator", state.Name);
            states.Add(new StateEntry(state.Name, StateScope.OperatorList, bytes) { Descriptor = state.Descriptor });
        }
        subtaskState(states);
        if (keyed is ChangelogKeyedStateBackend changelog)
        {
            changelog.MaterializeIfDue();
            return new TaskSnapshot(subtaskIndex, parallelism, maxParallelism, states, [], new ChangelogSnapshotPart(
                changelog.SnapshotChangelog(checkpointId), changelog.KeyGroups, RestoredCheckpoint.ChangelogName(taskName)));
        }
        if (keyed is INativeSnapshotBackend native && native.SnapshotNative(checkpointId, RestoredCheckpoint.NativeName(taskName)) is { } part)
        {
            return new TaskSnapshot(subtaskIndex, parallelism, maxParallelism, states, [], part);
        }
        var snapshot = new TaskSnapshot(subtaskIndex, parallelism, maxParallelism, states, keyed.Snapshot(checkpointId));
        if (!options.AsynchronousSnapshots)
        {
            try
            {
                snapshot.Serialize(CancellationToken.None);
            }
            catch
            {
                snapshot.Dispose();
                throw;
            }
        }
        return snapshot;
    }

    /// <summary>
    /// Loads the declared states from <paramref name="restored"/>: keyed states read only this subtask's key groups,
    /// operator list states take this subtask's list or its share of the old lists. Descriptors are checked first, so a
    /// changed state is refused before anything is filled.
    /// </summary>
    /// <exception cref="JobConfigurationException">A state's descriptor or number of key groups changed.</exception>
    /// <exception cref="TaskStateException">A state's bytes could not be decoded; names the state.</exception>
    public void Restore(RestoredCheckpoint restored)
    {
        foreach ((string name, string descriptor) in keyed.States)
        {
            restored.CheckDescriptor(name, descriptor);
            restored.CheckKeyGroups(name, maxParallelism);
        }
        foreach (IOperatorStateSnapshot state in _operator)
        {
            restored.CheckDescriptor(state.Name, state.Descriptor);
        }
        RestoreKeyed(restored);
        foreach (IOperatorStateSnapshot state in _operator)
        {
            Restore(() => state.Restore(restored.OperatorListState(state.Name), subtaskIndex, parallelism),
                $"could not restore operator state '{state.Name}' from checkpoint {restored.CheckpointId}");
        }
    }

    /// <summary>
    /// Keyed state from the checkpoint, whichever kind wrote it and whichever kind restores (Flink's
    /// <c>ChangelogCompatibilityITCase</c> matrix): a changelog checkpoint restores a changelog backend through its
    /// parts, and a heap backend by replaying them into its states; a full checkpoint restores a heap backend directly,
    /// and a changelog backend, which then materializes what it restored at once.
    /// </summary>
    private void RestoreKeyed(RestoredCheckpoint restored)
    {
        if (restored.HasNative(taskName))
        {
            RestoreNative(restored.NativeParts(taskName, storage ?? throw new InvalidOperationException(
                "A native keyed-state checkpoint is restored without checkpoint storage.")));
            RestoreTimerSections(restored);
            return;
        }
        if (!restored.HasChangelog(taskName))
        {
            if (keyed is ChangelogKeyedStateBackend fresh)
            {
                fresh.RestoreFromSnapshot(restored);
            }
            else
            {
                keyed.Restore(restored);
            }
            return;
        }
        List<ChangelogRestorePart> parts = [.. restored.ChangelogParts(taskName)
            .Where(p => p.Owned.Start <= keyed.KeyGroups.End && keyed.KeyGroups.Start <= p.Owned.End)
            .Select(p => p.Part)];
        if (keyed is ChangelogKeyedStateBackend changelog)
        {
            changelog.RestoreChangelog(restored.CheckpointId, parts, restored.Logs!, restored.AllowNonRestoredState);
            RestoreTimerSections(restored);
            return;
        }
        List<IChangelogState> replaying = [.. _replayOnly.Select((wrap, id) => wrap(id))];
        ChangelogKeyedStateBackend.RestoreParts(keyed, replaying, restored.CheckpointId, parts, restored.Logs!, storage!,
            $"{taskName}-{subtaskIndex}", restored.AllowNonRestoredState);
        RestoreTimerSections(restored);
    }

    /// <summary>
    /// Keyed state from native RocksDB parts (an incremental checkpoint): only a RocksDB backend opens their files, with
    /// or without the changelog above it. As with Flink's native checkpoints, switching to another backend goes through
    /// a full checkpoint.
    /// </summary>
    /// <exception cref="JobConfigurationException">This subtask's backend is not RocksDB.</exception>
    private void RestoreNative(NativeRestore native)
    {
        JobConfigurationException OtherBackend() => new($"Checkpoint {native.CheckpointId} holds the keyed state of task "
            + $"'{taskName}' as RocksDB's own files (an incremental checkpoint), which only the RocksDB backend reads, but the "
            + "job now runs another state backend. To switch: run once more with StateBackend.Kind = RocksDb and "
            + "StateBackend.RocksDb.IncrementalCheckpoints = false, take a checkpoint (StopWithCheckpointAsync), then "
            + "switch; or start fresh.");
        switch (keyed)
        {
            case ChangelogKeyedStateBackend changelog:
                changelog.RestoreFromNative(native, OtherBackend); // RocksDB under the changelog opens them
                break;
            case INativeSnapshotBackend backend:
                backend.RestoreNative(native);
                break;
            default:
                throw OtherBackend();
        }
    }

    /// <summary>A checkpoint completed everywhere: the keyed backend may release what it kept for older ones.</summary>
    public void NotifyCheckpointComplete(long checkpointId) => keyed.NotifyCheckpointComplete(checkpointId);

    /// <summary>A checkpoint was aborted: the keyed backend may drop what it prepared for it.</summary>
    public void NotifyCheckpointAborted(long checkpointId) => keyed.NotifyCheckpointAborted(checkpointId);

    /// <summary>Closes the keyed backend once the task stopped (snapshots still being written keep what they froze).</summary>
    public void Dispose() => keyed.Dispose();

    private KeyedState<TKey, TValue> Create<TKey, TValue>(KeyedStateDescriptor<TKey, TValue> descriptor)
        where TKey : notnull
    {
        CheckNewName(descriptor.Name);
        KeyedState<TKey, TValue> state = keyed.GetOrCreateState(descriptor);
        _replayOnly.Add(id => StateChangeRecords.Wrap(state, descriptor, id, log: null));
        return state;
    }

    private void CheckNewName(string name)
    {
        if (keyed.States.Any(s => s.Name == name) || _operator.Any(s => s.Name == name))
        {
            throw new InvalidOperationException($"Task '{taskName}' declares state '{name}' twice: the generated code and the job graph disagree.");
        }
    }

    /// <summary>
    /// Copies one state, naming it when that fails: a serializer refuses what it cannot save (a chain nested past
    /// <see cref="StateLimits"/>, a derived class) by its type, and the user needs to know which state held it.
    /// </summary>
    private static byte[] Snapshot(Func<byte[]> snapshot, string kind, string name)
    {
        try
        {
            return snapshot();
        }
        catch (Exception ex)
        {
            throw new TaskStateException($"could not save {kind} state '{name}' in a checkpoint", ex);
        }
    }

    private static void Restore(Action restore, string problem)
    {
        try
        {
            restore();
        }
        catch (Exception ex)
        {
            throw new TaskStateException(problem, ex);
        }
    }
}
