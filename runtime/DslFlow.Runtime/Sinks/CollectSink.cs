namespace DslFlow;

/// <summary>
/// Collects the records of every subtask in memory, for tests and small jobs. Thread-safe: subtasks write
/// concurrently while <see cref="Results"/> is read.
/// </summary>
/// <remarks>
/// Transactional: when the job takes checkpoints, records become visible only when the checkpoint taken after them
/// completes (pre-commit at the barrier, commit on completion); records of a failed or cancelled run that no completed
/// checkpoint covers are discarded. So exactly-once can be checked at the sink, not only in state. Without checkpoints
/// the records become visible at the end of input.
/// </remarks>
/// <typeparam name="T">The record type.</typeparam>
public sealed class CollectSink<T> : ISink<T>, ITransactionalSink
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<int, Subtask> _bySubtask = [];
    private readonly Dictionary<Guid, long> _lastCommitted = [];

    /// <summary>A snapshot of all committed records: subtask 0's in arrival order, then subtask 1's, and so on.</summary>
    public IReadOnlyList<T> Results
    {
        get
        {
            lock (_lock)
            {
                return _bySubtask.Values.SelectMany(s => s.Committed).ToArray();
            }
        }
    }

    /// <summary>A snapshot of one subtask's committed records in arrival order (empty if it wrote none).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="subtask"/> is negative.</exception>
    public IReadOnlyList<T> ResultsOf(int subtask)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(subtask);
        lock (_lock)
        {
            return _bySubtask.TryGetValue(subtask, out Subtask? records) ? records.Committed.ToArray() : [];
        }
    }

    /// <summary>Records pre-committed but not yet committed, over every subtask.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _bySubtask.Values.Sum(s => s.Sealed.Values.Sum(t => t.Count));
            }
        }
    }

    /// <summary>Creates the writer of one subtask; a writer created again for the same subtask appends to its records.</summary>
    public ISinkWriter<T> CreateWriter(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        lock (_lock)
        {
            return new Writer(this, SubtaskOf(context.SubtaskIndex), context.CheckpointsEnabled, context.JobId);
        }
    }

    /// <inheritdoc />
    public long? LastCommittedCheckpoint(Guid jobId)
    {
        lock (_lock)
        {
            return _lastCommitted.TryGetValue(jobId, out long id) ? id : null;
        }
    }

    private void RecordCommit(Guid jobId, long checkpointId) =>
        _lastCommitted[jobId] = Math.Max(checkpointId, _lastCommitted.GetValueOrDefault(jobId));

    /// <inheritdoc />
    public void RecoverTransactions(SinkRecoveryContext recovery)
    {
        ArgumentNullException.ThrowIfNull(recovery);
        long? restoredCheckpointId = recovery.RestoredCheckpointId;
        lock (_lock)
        {
            foreach (Subtask subtask in _bySubtask.Values)
            {
                if (restoredCheckpointId is long id && subtask.CommitUpTo(id) is long committed)
                {
                    RecordCommit(subtask.JobId, committed);
                }
                subtask.Sealed.Clear(); // later transactions: their records are replayed
            }
        }
    }

    private Subtask SubtaskOf(int index)
    {
        if (!_bySubtask.TryGetValue(index, out Subtask? subtask))
        {
            _bySubtask.Add(index, subtask = new Subtask());
        }
        return subtask;
    }

    /// <summary>
    /// One subtask's records: committed, and sealed per checkpoint. Kept by the sink, not the writer, so a restart
    /// can still commit what a failed run pre-committed for the checkpoint it restores.
    /// </summary>
    private sealed class Subtask
    {
        public List<T> Committed { get; } = [];

        public SortedDictionary<long, List<T>> Sealed { get; } = [];

        /// <summary>Commits the sealed transactions up to the checkpoint; returns the newest one that held records, or null.</summary>
        public long? CommitUpTo(long checkpointId)
        {
            long? newest = null;
            while (Sealed.Count > 0 && Sealed.First() is { Key: var id, Value: var records } && id <= checkpointId)
            {
                Committed.AddRange(records);
                Sealed.Remove(id);
                newest = records.Count > 0 ? id : newest;
            }
            return newest;
        }

        /// <summary>The job run whose writer last wrote to this subtask.</summary>
        public Guid JobId { get; set; }
    }

    private sealed class Writer(CollectSink<T> sink, Subtask subtask, bool checkpointsEnabled, Guid jobId) : ITwoPhaseCommitWriter<T>
    {
        private List<T> _open = [];

        public void Write(ReadOnlySpan<T> batch) => _open.AddRange(batch);

        public void PreCommit(long checkpointId)
        {
            lock (sink._lock)
            {
                if (subtask.Sealed.TryGetValue(checkpointId, out List<T>? existing))
                {
                    existing.AddRange(_open); // the same checkpoint sealed twice (final snapshot): one transaction
                    _open.Clear();
                    return;
                }
                subtask.Sealed.Add(checkpointId, _open);
            }
            _open = [];
        }

        public void Commit(long checkpointId)
        {
            lock (sink._lock)
            {
                subtask.JobId = jobId;
                if (subtask.CommitUpTo(checkpointId) is long committed)
                {
                    sink.RecordCommit(jobId, committed);
                }
            }
        }

        public void Flush()
        {
            if (!checkpointsEnabled)
            {
                lock (sink._lock)
                {
                    subtask.Committed.AddRange(_open);
                }
                _open.Clear();
            }
        }

        public void Dispose()
        {
        }
    }
}
