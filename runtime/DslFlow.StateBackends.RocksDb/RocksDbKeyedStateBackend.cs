using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.StateBackends.RocksDb.Restore;
using DslFlow.StateBackends.RocksDb.Snapshots;
using DslFlow.StateBackends.RocksDb.States;
using DslFlow.StateBackends.RocksDb.Timers;
using DslFlow.Time.Timers;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb;

/// <summary>
/// The RocksDB backend of one subtask (Flink's <c>RocksDBKeyedStateBackend</c>): every keyed state is a column family of
/// the subtask's database (<see cref="RocksDbSubtaskDatabase"/>), read and written per access on the task thread.
/// Checkpoints are incremental native ones (<see cref="RocksDbIncrementalSnapshot"/>, restored by
/// <see cref="NativeRestoreOperation"/>), or full snapshots in the common key-group format
/// (<see cref="RocksDbFullSnapshot"/>) when <see cref="RocksDbOptions.IncrementalCheckpoints"/> is off; restores of a
/// full checkpoint write its blocks of the owned key groups into the database in batches. Timers live in column families
/// too (<see cref="RocksDbTimerQueue{TKey}"/>), snapshotted and restored with the states.
/// </summary>
internal sealed class RocksDbKeyedStateBackend(Func<RocksDbSubtaskDatabase> open, KeyGroupRange keyGroups, int maxParallelism,
    bool incremental = false) : INativeSnapshotBackend
{
    private RocksDbSubtaskDatabase? _database;

    private const int RestoreBatchBytes = 4 << 20;
    private readonly List<IRocksDbState> _states = [];

    // Opened with the first state: a subtask without keyed state (a source, a stateless chain) has no database.
    private RocksDbSubtaskDatabase Database => _database ??= open();
    private readonly IncrementalHistory _history = new();
    private bool _disposed;

    public KeyGroupRange KeyGroups => keyGroups;

    public IReadOnlyList<(string Name, string Descriptor)> States => [.. _states.Select(s => (s.Name, s.DescriptorText))];

    /// <summary>The folder of the subtask's database (tests).</summary>
    internal string Directory => Database.Directory;

    /// <summary>Compacts every state's column family into as few files as RocksDB makes (tests: replaces every SST).</summary>
    internal void Compact()
    {
        foreach (IRocksDbState state in _states)
        {
            Database.Db.CompactRange([], [0xFF], state.Column);
        }
    }

    /// <summary>Flushes every state's memtable into SST files and waits for it (tests).</summary>
    internal void Flush()
    {
        FlushOptions options = new FlushOptions().SetWaitForFlush(true);
        foreach (IRocksDbState state in _states)
        {
            Native.Instance.rocksdb_flush_cf(Database.Db.Handle, options.Handle, state.Column.Handle); // RocksDb.Flush: the default family only
        }
    }

    /// <summary>The key groups that rows of <paramref name="stateName"/> belong to, over the whole column family (tests).</summary>
    internal SortedSet<int> StoredKeyGroups(string stateName)
    {
        IRocksDbState state = _states.Single(s => s.Name == stateName);
        var groups = new SortedSet<int>();
        using Iterator iterator = Database.Db.NewIterator(state.Column);
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            groups.Add(KeyLayout.KeyGroupOf(iterator.GetKeySpan(), state.PrefixBytes));
        }
        return groups;
    }

    public KeyedState<TKey, TValue> GetOrCreateState<TKey, TValue>(KeyedStateDescriptor<TKey, TValue> descriptor)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (IRocksDbState existing in _states)
        {
            if (existing.Name == descriptor.Name)
            {
                return existing is KeyedState<TKey, TValue> same && existing.DescriptorText == descriptor.Description
                    ? same
                    : throw new InvalidOperationException($"Keyed state '{descriptor.Name}' is declared twice, as "
                        + $"{existing.DescriptorText} and as {descriptor.Description}: the generated code and the job graph disagree.");
            }
        }
        KeyedState<TKey, TValue> state = descriptor.Kind switch
        {
            KeyedStateKind.Value => new RocksDbValueState<TKey, TValue>(Database, descriptor, keyGroups, maxParallelism),
            _ => CreateCellState(descriptor),
        };
        _states.Add((IRocksDbState)state);
        return state;
    }

    public IKeyedTimerQueue<TKey> GetOrCreateTimerQueue<TKey>(TimerQueueDescriptor<TKey> descriptor)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (IRocksDbState existing in _states)
        {
            if (existing.Name == descriptor.Name)
            {
                return existing is RocksDbTimerQueue<TKey> same && existing.DescriptorText == descriptor.Description
                    ? same
                    : throw new InvalidOperationException($"'{descriptor.Name}' is declared twice, as {existing.DescriptorText} "
                        + $"and as {descriptor.Description}: the generated code and the job graph disagree.");
            }
        }
        var queue = new RocksDbTimerQueue<TKey>(Database, descriptor, keyGroups, maxParallelism);
        _states.Add(queue);
        return queue;
    }

    public IReadOnlyList<IKeyedStateSnapshot> Snapshot(long checkpointId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _states.Count == 0 ? [] : RocksDbFullSnapshot.Take(Database, _states, keyGroups);
    }

    /// <inheritdoc/>
    public IKeyedSnapshotPart? SnapshotNative(long checkpointId, string sectionName)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!incremental || _states.Count == 0)
        {
            return null;
        }
        string owner = Database.Owner[(Database.Owner.IndexOf('/') + 1)..];
        string prefix = string.Concat(owner.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
        // A fixed first token: a task name may start with '_', which storage names may not.
        return RocksDbIncrementalSnapshot.Take(Database, _history, keyGroups, States, sectionName,
            "rocksdb-" + prefix[..Math.Min(prefix.Length, 100)] + "-", checkpointId);
    }

    /// <inheritdoc/>
    public void RestoreNative(NativeRestore restore)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        new NativeRestoreOperation(Database, _states, keyGroups, KeyLayout.PrefixBytes(maxParallelism), _history).Run(restore);
        ReindexTimers();
    }

    public void Restore(IKeyedStateSource source)
    {
        foreach (IRocksDbState state in _states)
        {
            state.Invalidate();
            try
            {
                using var batch = new WriteBatch();
                source.ReadKeyGroups(state.Name, keyGroups, (keyGroup, count, entries) =>
                {
                    var reader = new StateReader(entries);
                    for (int e = 0; e < count; e++)
                    {
                        state.RestoreEntry(batch, keyGroup, entries, ref reader);
                    }
                    reader.ExpectEnd();
                    if (batch.AsSpan().Length >= RestoreBatchBytes)
                    {
                        Database.Db.Write(batch, Database.WriteOptions);
                        batch.Clear();
                    }
                });
                Database.Db.Write(batch, Database.WriteOptions);
            }
            catch (Exception ex) when (ex is not TaskStateException and not JobConfigurationException)
            {
                throw new TaskStateException($"could not restore keyed state '{state.Name}' from checkpoint {source.CheckpointId} "
                    + $"into RocksDB ({ex.Message})", ex);
            }
        }
        ReindexTimers();
    }

    /// <summary>Timer queues read their restored rows' earliest times and count now, on the task thread (metrics read the count).</summary>
    private void ReindexTimers()
    {
        foreach (IRocksDbTimerQueue queue in _states.OfType<IRocksDbTimerQueue>())
        {
            queue.Reindex();
        }
    }

    /// <summary>The checkpoint's SST files become the ones the next incremental checkpoint reuses.</summary>
    public void NotifyCheckpointComplete(long checkpointId) => _history.Completed(checkpointId);

    /// <summary>The aborted checkpoint's files are never reused (its snapshot lets go of RocksDB when disposed).</summary>
    public void NotifyCheckpointAborted(long checkpointId) => _history.Aborted(checkpointId);

    /// <summary>Closes the database once no snapshot still reads it, and deletes its folder.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _database?.Release();
    }

    private KeyedState<TKey, TValue> CreateCellState<TKey, TValue>(KeyedStateDescriptor<TKey, TValue> descriptor)
        where TKey : notnull
    {
        Type[] args = typeof(TValue).GetGenericArguments();
        Type state = descriptor.Kind == KeyedStateKind.List
            ? typeof(RocksDbListState<,>).MakeGenericType(typeof(TKey), args[0])
            : typeof(RocksDbMapState<,,>).MakeGenericType(typeof(TKey), args[0], args[1]);
        return (KeyedState<TKey, TValue>)Activator.CreateInstance(state, Database, descriptor, keyGroups, maxParallelism)!;
    }
}
