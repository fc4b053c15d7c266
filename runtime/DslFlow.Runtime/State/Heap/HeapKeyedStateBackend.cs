using DslFlow.State.Backends;
using DslFlow.Time.Timers;

namespace DslFlow.State.Heap;

/// <summary>
/// The heap backend: every keyed state is a <see cref="HeapKeyedState{TKey, TValue}"/> in memory, snapshotted
/// copy-on-write (with <see cref="StateBackendOptions.AsynchronousSnapshots"/> off, <see cref="TaskStates"/> serializes
/// the snapshot right after its synchronous part, on the task thread). Timers are <see cref="HeapTimerQueue{TKey}"/>s,
/// copied whole at each snapshot's synchronous part (they change with every record, and are few next to keyed state).
/// </summary>
internal sealed class HeapKeyedStateBackend(KeyGroupRange keyGroups, int maxParallelism) : IKeyedStateBackend
{
    private readonly List<IHeapState> _states = [];
    private readonly List<IHeapTimerQueue> _timers = [];

    public KeyGroupRange KeyGroups => keyGroups;

    public IReadOnlyList<(string Name, string Descriptor)> States =>
        [.. _states.Select(s => (s.Name, s.Descriptor)), .. _timers.Select(t => (t.Name, t.Descriptor))];

    public KeyedState<TKey, TValue> GetOrCreateState<TKey, TValue>(KeyedStateDescriptor<TKey, TValue> descriptor)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        foreach (IHeapState existing in _states)
        {
            if (existing.Name == descriptor.Name)
            {
                return existing is HeapState<TKey, TValue> same && same.Descriptor == descriptor.Description
                    ? same.State
                    : throw new InvalidOperationException($"Keyed state '{descriptor.Name}' is declared twice, as "
                        + $"{existing.Descriptor} and as {descriptor.Description}: the generated code and the job graph disagree.");
            }
        }
        CheckNotTimers(descriptor.Name);
        var state = new HeapKeyedState<TKey, TValue>(descriptor, keyGroups);
        _states.Add(new HeapState<TKey, TValue>(state, descriptor.Description, maxParallelism));
        return state;
    }

    public IKeyedTimerQueue<TKey> GetOrCreateTimerQueue<TKey>(TimerQueueDescriptor<TKey> descriptor)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (_states.Any(s => s.Name == descriptor.Name))
        {
            throw new InvalidOperationException($"'{descriptor.Name}' is declared as a keyed state and as timers: the generated code and the job graph disagree.");
        }
        foreach (IHeapTimerQueue existing in _timers)
        {
            if (existing.Name == descriptor.Name)
            {
                return existing is HeapTimerQueue<TKey> same && same.Descriptor == descriptor.Description
                    ? same
                    : throw new InvalidOperationException($"Timers '{descriptor.Name}' are declared twice, as "
                        + $"{existing.Descriptor} and as {descriptor.Description}: the generated code and the job graph disagree.");
            }
        }
        var queue = new HeapTimerQueue<TKey>(descriptor, keyGroups, maxParallelism);
        _timers.Add(queue);
        return queue;
    }

    public IReadOnlyList<IKeyedStateSnapshot> Snapshot(long checkpointId) =>
        [.. _states.Select(s => s.Snapshot()), .. _timers.Select(SnapshotTimers)];

    private static IKeyedStateSnapshot SnapshotTimers(IHeapTimerQueue queue)
    {
        try
        {
            return queue.SnapshotSection();
        }
        catch (Exception ex)
        {
            throw new TaskStateException($"could not save the timers '{queue.Name}' in a checkpoint", ex);
        }
    }

    public void Restore(IKeyedStateSource source)
    {
        foreach (IHeapState state in _states)
        {
            try
            {
                source.ReadKeyGroups(state.Name, keyGroups, state.RestoreBlock);
            }
            catch (Exception ex) when (ex is not TaskStateException and not JobConfigurationException)
            {
                throw new TaskStateException($"could not restore keyed state '{state.Name}' from checkpoint {source.CheckpointId}", ex);
            }
        }
        foreach (IHeapTimerQueue queue in _timers)
        {
            try
            {
                source.ReadKeyGroups(queue.Name, keyGroups, queue.RestoreBlock);
            }
            catch (Exception ex) when (ex is not TaskStateException and not JobConfigurationException)
            {
                throw new TaskStateException($"could not restore the timers '{queue.Name}' from checkpoint {source.CheckpointId}", ex);
            }
        }
    }

    private void CheckNotTimers(string name)
    {
        if (_timers.Any(t => t.Name == name))
        {
            throw new InvalidOperationException($"'{name}' is declared as timers and as a keyed state: the generated code and the job graph disagree.");
        }
    }

    public void NotifyCheckpointComplete(long checkpointId)
    {
        // Heap snapshots are full and self-contained: nothing to release.
    }

    public void NotifyCheckpointAborted(long checkpointId)
    {
        // The aborted snapshot's captures are disposed by its asynchronous part.
    }

    public void Dispose()
    {
        _states.Clear();
        _timers.Clear();
    }

    /// <summary>One state of the backend, without its type parameters.</summary>
    private interface IHeapState
    {
        string Name { get; }

        string Descriptor { get; }

        IKeyedStateSnapshot Snapshot();

        void RestoreBlock(int keyGroup, int count, ReadOnlySpan<byte> entries);
    }

    private sealed class HeapState<TKey, TValue>(HeapKeyedState<TKey, TValue> state, string descriptor, int maxParallelism) : IHeapState
        where TKey : notnull
    {
        public HeapKeyedState<TKey, TValue> State => state;

        public string Name => state.StateName;

        public string Descriptor => descriptor;

        public IKeyedStateSnapshot Snapshot() => state.Snapshot();

        public void RestoreBlock(int keyGroup, int count, ReadOnlySpan<byte> entries) =>
            state.RestoreBlock(keyGroup, count, entries, maxParallelism);
    }
}
