namespace DslFlow.State.Backends;

/// <summary>
/// The keyed state of one subtask, behind one seam (Flink's <c>KeyedStateBackend</c>): it creates value, list and map
/// states from their descriptors, snapshots them for a checkpoint — a short synchronous part on the task thread, the
/// serialization in the asynchronous part — restores them from a checkpoint for the subtask's key-group range, and
/// hears how checkpoints end. Generated code reaches states only through <see cref="KeyedState{TKey, TValue}"/>, so a
/// backend (heap, RocksDB, the changelog wrapper) plugs in without touching it. Keyed timers live here too (Flink keeps
/// them in the keyed backend): each backend keeps its own <see cref="Time.Timers.IKeyedTimerQueue{TKey}"/>s and saves
/// them with its state. Called on the task thread, except the snapshots' asynchronous part.
/// </summary>
internal interface IKeyedStateBackend : IDisposable
{
    /// <summary>The key groups the subtask owns.</summary>
    KeyGroupRange KeyGroups { get; }

    /// <summary>The state a descriptor names, created on first use. A name is declared once.</summary>
    /// <exception cref="InvalidOperationException">The name is already taken by a state of another kind or type.</exception>
    KeyedState<TKey, TValue> GetOrCreateState<TKey, TValue>(KeyedStateDescriptor<TKey, TValue> descriptor)
        where TKey : notnull;

    /// <summary>
    /// The timer queue a descriptor names, created on first use; saved and restored with the keyed state (its name and
    /// description are among <see cref="States"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The name is already taken by a state, or by a queue of another key type.</exception>
    Time.Timers.IKeyedTimerQueue<TKey> GetOrCreateTimerQueue<TKey>(TimerQueueDescriptor<TKey> descriptor)
        where TKey : notnull;

    /// <summary>The names and descriptions of the states and timer queues created so far, states first, each in creation order.</summary>
    IReadOnlyList<(string Name, string Descriptor)> States { get; }

    /// <summary>
    /// The synchronous part of a snapshot for <paramref name="checkpointId"/>: one frozen version per state, short and
    /// independent of the state's size. Writes after it never show in the snapshot.
    /// </summary>
    IReadOnlyList<IKeyedStateSnapshot> Snapshot(long checkpointId);

    /// <summary>Fills the states from a checkpoint: only the key groups of <see cref="KeyGroups"/> are read.</summary>
    /// <exception cref="TaskStateException">A state's bytes could not be decoded; names the state.</exception>
    void Restore(IKeyedStateSource source);

    /// <summary>A checkpoint completed everywhere (a backend with shared files may release what it no longer needs).</summary>
    void NotifyCheckpointComplete(long checkpointId);

    /// <summary>A checkpoint was aborted (a backend may drop what it prepared for it).</summary>
    void NotifyCheckpointAborted(long checkpointId);
}

/// <summary>Where a restore reads keyed state: the key-group blocks of one state that fall in a range.</summary>
internal interface IKeyedStateSource
{
    /// <summary>The restored checkpoint's id (for messages).</summary>
    long CheckpointId { get; }

    /// <summary>
    /// Calls <paramref name="restore"/> with every block of <paramref name="stateName"/> whose key group lies in
    /// <paramref name="range"/>, reading nothing else; none when the checkpoint does not have the state.
    /// </summary>
    void ReadKeyGroups(string stateName, KeyGroupRange range, KeyGroupBlockReader restore);
}

/// <summary>Receives one restored key-group block: its key group, entry count and entries.</summary>
internal delegate void KeyGroupBlockReader(int keyGroup, int count, ReadOnlySpan<byte> entries);
