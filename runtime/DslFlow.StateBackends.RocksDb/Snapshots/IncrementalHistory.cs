using DslFlow.Checkpointing;

namespace DslFlow.StateBackends.RocksDb.Snapshots;

/// <summary>
/// Which SST files a subtask may reuse instead of copying (Flink's <c>uploadedSstFiles</c> of the last completed
/// checkpoint): only the files of the newest checkpoint that completed everywhere — a file of a checkpoint still in
/// progress or aborted may be deleted with it. Written by the asynchronous parts, promoted by completion on the task
/// thread: thread-safe.
/// </summary>
internal sealed class IncrementalHistory
{
    // A finished task's final snapshot is written into every later checkpoint but hears of no completions: keep only
    // the newest records (a completion is always of one of the few newest checkpoints).
    private const int KeptWrites = 16;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, IReadOnlyDictionary<string, StateHandle>> _written = [];
    private IReadOnlyDictionary<string, StateHandle> _confirmed = new Dictionary<string, StateHandle>();

    /// <summary>The SST files (by name in the database) of the newest completed checkpoint.</summary>
    public IReadOnlyDictionary<string, StateHandle> Confirmed
    {
        get
        {
            lock (_gate)
            {
                return _confirmed;
            }
        }
    }

    /// <summary>The asynchronous part of <paramref name="checkpointId"/> wrote or reused these files.</summary>
    public void Written(long checkpointId, IReadOnlyDictionary<string, StateHandle> files)
    {
        lock (_gate)
        {
            _written[checkpointId] = files;
            while (_written.Count > KeptWrites)
            {
                _written.Remove(_written.Keys.First());
            }
        }
    }

    /// <summary>A checkpoint completed: its files become reusable; older checkpoints' records are dropped.</summary>
    public void Completed(long checkpointId)
    {
        lock (_gate)
        {
            if (_written.Remove(checkpointId, out var files))
            {
                _confirmed = files;
            }
            foreach (long older in _written.Keys.Where(id => id < checkpointId).ToList())
            {
                _written.Remove(older);
            }
        }
    }

    /// <summary>A checkpoint was aborted: its files are never reused.</summary>
    public void Aborted(long checkpointId)
    {
        lock (_gate)
        {
            _written.Remove(checkpointId);
        }
    }

    /// <summary>A restore opened a completed checkpoint's files as they are: the next checkpoint may reuse them.</summary>
    public void Restored(IReadOnlyDictionary<string, StateHandle> files)
    {
        lock (_gate)
        {
            _confirmed = files;
            _written.Clear();
        }
    }
}
