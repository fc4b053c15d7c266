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
    private readonly SortedDictionary<int, List<T>> _bySubtask = [];

    /// <summary>A snapshot of all records: subtask 0's in arrival order, then subtask 1's, and so on.</summary>
    public IReadOnlyList<T> Results
    {
        get
        {
            lock (_lock)
            {
                return _bySubtask.Values.SelectMany(records => records).ToArray();
            }
        }
    }

    /// <summary>A snapshot of one subtask's records in arrival order (empty if it wrote none).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="subtask"/> is negative.</exception>
    public IReadOnlyList<T> ResultsOf(int subtask)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(subtask);
        lock (_lock)
        {
            return _bySubtask.TryGetValue(subtask, out List<T>? records) ? records.ToArray() : [];
        }
    }

    /// <summary>Creates the writer of one subtask; a writer created again for the same subtask appends to its records.</summary>
    public ISinkWriter<T> CreateWriter(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        lock (_lock)
        {
            if (!_bySubtask.TryGetValue(context.SubtaskIndex, out List<T>? records))
            {
                _bySubtask.Add(context.SubtaskIndex, records = []);
            }
            return new Writer(this, records, context.CheckpointsEnabled);
        }
    }

    private sealed class Writer(CollectSink<T> sink, List<T> committed, bool checkpointsEnabled) : ITwoPhaseCommitWriter<T>
    {
        private readonly SortedDictionary<long, List<T>> _sealed = [];
        private List<T> _open = [];

        public void Write(ReadOnlySpan<T> batch) => _open.AddRange(batch);

        public void PreCommit(long checkpointId)
        {
            if (_sealed.TryGetValue(checkpointId, out List<T>? existing))
            {
                existing.AddRange(_open); // the same checkpoint sealed twice (final snapshot): one transaction
                _open.Clear();
                return;
            }
            _sealed.Add(checkpointId, _open);
            _open = [];
        }

        public void Commit(long checkpointId)
        {
            lock (sink._lock)
            {
                foreach (long id in _sealed.Keys.Where(id => id <= checkpointId).ToList())
                {
                    committed.AddRange(_sealed[id]);
                    _sealed.Remove(id);
                }
            }
        }

        public void Flush()
        {
            if (!checkpointsEnabled)
            {
                lock (sink._lock)
                {
                    committed.AddRange(_open);
                }
                _open.Clear();
            }
        }

        public void Dispose()
        {
        }
    }
}
