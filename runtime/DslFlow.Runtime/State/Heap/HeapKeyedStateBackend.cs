using DslFlow.State.Backends;

namespace DslFlow.State.Heap;

/// <summary>
/// The heap backend: every keyed state is a <see cref="HeapKeyedState{TKey, TValue}"/> in memory, snapshotted
/// copy-on-write (with <see cref="StateBackendOptions.AsynchronousSnapshots"/> off, <see cref="TaskStates"/> serializes
/// the snapshot right after its synchronous part, on the task thread).
/// </summary>
internal sealed class HeapKeyedStateBackend(KeyGroupRange keyGroups, int maxParallelism) : IKeyedStateBackend
{
    private readonly List<IHeapState> _states = [];

    public KeyGroupRange KeyGroups => keyGroups;

    public IReadOnlyList<(string Name, string Descriptor)> States => _states.Select(s => (s.Name, s.Descriptor)).ToList();

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
        var state = new HeapKeyedState<TKey, TValue>(descriptor, keyGroups);
        _states.Add(new HeapState<TKey, TValue>(state, descriptor.Description, maxParallelism));
        return state;
    }

    public IReadOnlyList<IKeyedStateSnapshot> Snapshot(long checkpointId) => _states.Select(s => s.Snapshot()).ToList();

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
    }

    public void NotifyCheckpointComplete(long checkpointId)
    {
        // Heap snapshots are full and self-contained: nothing to release.
    }

    public void NotifyCheckpointAborted(long checkpointId)
    {
        // The aborted snapshot's captures are disposed by its asynchronous part.
    }

    public void Dispose() => _states.Clear();

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
