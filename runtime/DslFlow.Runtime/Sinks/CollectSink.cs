namespace DslFlow;

/// <summary>
/// Collects the records of every subtask in memory, for tests and small jobs. Thread-safe: subtasks write
/// concurrently while <see cref="Results"/> is read.
/// </summary>
/// <remarks>
/// For now every written record is visible at once (at-least-once: after a restart the replayed records appear
/// again). The sink is meant to be transactional: a coming change exposes only the records of completed
/// checkpoints, so that tests can check exactly-once at the sink.
/// </remarks>
/// <typeparam name="T">The record type.</typeparam>
public sealed class CollectSink<T> : ISink<T>
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
            return new Writer(this, records);
        }
    }

    private sealed class Writer(CollectSink<T> sink, List<T> records) : ISinkWriter<T>
    {
        public void Write(ReadOnlySpan<T> batch)
        {
            lock (sink._lock)
            {
                records.AddRange(batch);
            }
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
