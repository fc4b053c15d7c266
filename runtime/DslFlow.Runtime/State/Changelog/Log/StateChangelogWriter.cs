using Microsoft.Extensions.Logging;

namespace DslFlow.State.Changelog;

/// <summary>
/// The state change log of one subtask (Flink's <c>FsStateChangelogWriter</c>). The changelog backend appends every
/// state change on the task thread; changes collect in an active change set that becomes a sealed, numbered one at the
/// next <see cref="NextSequenceNumber"/> (Flink bumps the sequence number per checkpoint, not per change, to keep the
/// files' sections few). <see cref="PersistAsync"/> makes a range of change sets durable for a checkpoint, reusing what
/// was already written (pre-emptively, or for an earlier checkpoint) and waiting for what is being written, so no change
/// is written twice. Past <c>preemptivePersistThreshold</c> bytes not yet written, an append starts writing them at
/// once, so a checkpoint only waits for the tail. <see cref="Truncate"/> drops what a materialization made unneeded.
/// Invariants: a change set is written at most once at a time; a failed write puts it back, to be written by the next
/// persist (Flink fails every later checkpoint until a materialization; here the next one retries); the log keeps the
/// order of the changes. Not thread-safe except for the upload completions it handles itself: call it from the task thread.
/// </summary>
internal sealed class StateChangelogWriter : IDisposable
{
    private readonly string _owner;
    private readonly ChangelogUploader _uploader;
    private readonly long _preemptivePersistThreshold;
    private readonly ILogger _logger;
    private readonly CancellationToken _cancellation;
    private readonly object _gate = new();
    private readonly SortedList<long, ChangeSet> _sets = [];
    private byte[] _active = new byte[4096];
    private int _activeLength;
    private int _activeCount;
    private long _activeSequence;
    private long _notWrittenBytes;
    private long _lowestKept;
    private bool _disposed;
    private bool _flushing;
    private readonly List<Action> _beforeSeal = [];

    /// <param name="owner">The subtask, for messages (<c>Node-3</c>).</param>
    /// <param name="uploader">The job's log files in this process.</param>
    /// <param name="preemptivePersistThreshold">Bytes not yet written past which an append writes them at once.</param>
    /// <param name="logger">Receives pre-emptive write failures (the next persist retries them).</param>
    /// <param name="cancellation">The task's cancellation: ends a wait for in-flight capacity.</param>
    public StateChangelogWriter(string owner, ChangelogUploader uploader, long preemptivePersistThreshold, ILogger logger,
        CancellationToken cancellation)
    {
        _owner = owner;
        _uploader = uploader;
        _preemptivePersistThreshold = preemptivePersistThreshold;
        _logger = logger;
        _cancellation = cancellation;
    }

    /// <summary>The sequence number the next appended change gets.</summary>
    public long ActiveSequenceNumber => _activeSequence;

    /// <summary>The lowest sequence number not truncated.</summary>
    public long LowestSequenceNumber => _lowestKept;

    /// <summary>Bytes appended since the writer was created (change encoding included).</summary>
    public long AppendedBytes { get; private set; }

    /// <summary>Pre-emptive writes started by appends.</summary>
    public int PreemptivePersists { get; private set; }

    /// <summary>
    /// Registers a state that defers its changes (a value state logs each changed key's last value): it appends them
    /// before every rollover, so a sealed change set holds every change made before it.
    /// </summary>
    public void OnBeforeSeal(Action flush) => _beforeSeal.Add(flush);

    /// <summary>Appends one change of <paramref name="keyGroup"/> (<see cref="ChangelogFormat.MetadataKeyGroup"/> for metadata).</summary>
    public void Append(int keyGroup, ReadOnlySpan<byte> change)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int needed = ChangelogFormat.ChangeOverhead + change.Length;
        if (_active.Length - _activeLength < needed)
        {
            Array.Resize(ref _active, (int)Math.Min(Array.MaxLength, Math.Max(_active.Length * 2L, _activeLength + (long)needed)));
        }
        ChangelogFormat.WriteChange(_active.AsSpan(_activeLength), keyGroup, change);
        _activeLength += needed;
        _activeCount++;
        AppendedBytes += needed;
        if (!_flushing && _notWrittenBytes + _activeLength >= _preemptivePersistThreshold)
        {
            PreemptivePersists++;
            Task persisted = Persist(FirstNotWritten(), checkpointId: null);
            persisted.ContinueWith(t => _logger.LogWarning(t.Exception!.GetBaseException(),
                    "A pre-emptive write of {Owner}'s state changes failed; the next checkpoint writes them again", _owner),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Seals the active change set (when it holds changes) and returns the sequence number the next change gets: the
    /// exclusive end of a range that includes every change appended so far.
    /// </summary>
    public long NextSequenceNumber()
    {
        if (!_flushing && _beforeSeal.Count > 0)
        {
            _flushing = true;
            try
            {
                foreach (Action flush in _beforeSeal)
                {
                    flush();
                }
            }
            finally
            {
                _flushing = false;
            }
        }
        if (_activeCount > 0)
        {
            var set = new ChangeSet(new SealedChangeSet(_activeSequence, _activeCount, _active, _activeLength));
            lock (_gate)
            {
                _sets.Add(_activeSequence, set);
                _notWrittenBytes += set.Sealed.Length;
            }
            _active = new byte[Math.Max(4096, Math.Min(_activeLength, 1 << 20))];
            _activeLength = 0;
            _activeCount = 0;
            _activeSequence++;
        }
        return _activeSequence;
    }

    /// <summary>
    /// Makes every change from sequence number <paramref name="from"/> up to now durable for checkpoint
    /// <paramref name="checkpointId"/> and returns their segments in order: those already written as they are, those
    /// being written once written, the rest in a new log file.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="from"/> lies before a truncation.</exception>
    public Task<IReadOnlyList<ChangelogSegment>> PersistAsync(long from, long checkpointId) => Persist(from, checkpointId);

    /// <summary>Checkpoint <paramref name="checkpointId"/>, which covered <c>[from, to)</c>, completed.</summary>
    public void Confirm(long from, long to, long checkpointId)
    {
        lock (_gate)
        {
            foreach (ChangeSet set in Range(from, to))
            {
                set.ConfirmedBy = Math.Max(set.ConfirmedBy, checkpointId);
            }
        }
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/>, which covered <c>[from, to)</c>, was aborted: its change sets no longer
    /// count as covered by it (other checkpoints that cover them still do). The files stay (an abort never deletes a subtask's log files), so
    /// nothing is written again, unless a write failed: then the next persist writes it.
    /// </summary>
    public void Reset(long from, long to, long checkpointId)
    {
        lock (_gate)
        {
            foreach (ChangeSet set in Range(from, to))
            {
                set.CoveredBy.Remove(checkpointId);
            }
        }
    }

    /// <summary>
    /// Drops every change set before sequence number <paramref name="to"/>: the changes are in a materialization that a
    /// completed checkpoint uses, and no retained checkpoint needs them. Written ones are released (their file goes once
    /// every set in it went); one being written is released when written.
    /// </summary>
    public void Truncate(long to)
    {
        List<ChangelogSegment> released = [];
        lock (_gate)
        {
            if (to <= _lowestKept)
            {
                return;
            }
            to = Math.Min(to, _activeSequence);
            while (_sets.Count > 0 && _sets.Keys[0] < to)
            {
                ChangeSet set = _sets.Values[0];
                _sets.RemoveAt(0);
                Drop(set, released);
            }
            _lowestKept = to;
        }
        released.ForEach(_uploader.Release);
    }

    /// <summary>
    /// Closes the log: releases the change sets no checkpoint covers (Flink's <c>truncateAndClose</c>); those a
    /// checkpoint covered stay, since it may have completed; the clean-up at the next start removes them otherwise.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        List<ChangelogSegment> released = [];
        lock (_gate)
        {
            foreach (ChangeSet set in _sets.Values.Where(set => set.CoveredBy.Count == 0 && set.ConfirmedBy == 0))
            {
                Drop(set, released);
            }
            _sets.Clear();
        }
        released.ForEach(_uploader.Release);
    }

    private Task<IReadOnlyList<ChangelogSegment>> Persist(long from, long? checkpointId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long to = NextSequenceNumber();
        List<ChangeSet> range;
        lock (_gate)
        {
            if (from < _lowestKept)
            {
                throw new ArgumentOutOfRangeException(nameof(from), from, $"The state change log of {_owner} was truncated "
                    + $"up to change set {_lowestKept}; change set {from} is no longer in it. Persist from the last "
                    + "materialization onwards.");
            }
            range = [.. Range(from, to)];
            foreach (ChangeSet set in range.Where(_ => checkpointId is not null))
            {
                set.CoveredBy.Add(checkpointId!.Value);
            }
        }
        StartWrites(range);
        List<Task<ChangelogSegment>> writes;
        lock (_gate)
        {
            // A set whose earlier write failed just now has no write: this persist fails, the next one writes it.
            writes = [.. range.Select(set => set.Written ?? Task.FromException<ChangelogSegment>(new IOException(
                $"Writing change set {set.Sealed.SequenceNumber} of {_owner}'s state changes failed; the next checkpoint writes it again.")))];
        }
        return writes.Count == 0 ? Task.FromResult<IReadOnlyList<ChangelogSegment>>([]) : CollectAsync(range, writes);
    }

    /// <summary>
    /// The segments of a persisted range, in order. A set whose write (started earlier, pre-emptively or for another
    /// checkpoint) failed is written once more before the persist gives up.
    /// </summary>
    private async Task<IReadOnlyList<ChangelogSegment>> CollectAsync(List<ChangeSet> range, List<Task<ChangelogSegment>> writes)
    {
        var segments = new ChangelogSegment[writes.Count];
        for (int i = 0; i < writes.Count; i++)
        {
            try
            {
                segments[i] = await writes[i].ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                segments[i] = await RetryAsync(range[i], ex).ConfigureAwait(false);
            }
        }
        return segments;
    }

    private Task<ChangelogSegment> RetryAsync(ChangeSet set, Exception failure)
    {
        if (!_disposed)
        {
            StartWrites([set]);
        }
        lock (_gate)
        {
            return set.Written ?? Task.FromException<ChangelogSegment>(failure);
        }
    }

    /// <summary>
    /// Writes those of <paramref name="candidates"/> that have no write (claimed under <c>_gate</c>, so a set is never
    /// written twice at once) in one request; their <c>Written</c> tasks end with it.
    /// </summary>
    private void StartWrites(IEnumerable<ChangeSet> candidates)
    {
        List<ChangeSet> toWrite;
        TaskCompletionSource<ChangelogSegment>[] attempts;
        lock (_gate)
        {
            toWrite = [.. candidates.Where(set => set.Written is null && !set.Dropped)];
            attempts = new TaskCompletionSource<ChangelogSegment>[toWrite.Count];
            for (int i = 0; i < toWrite.Count; i++)
            {
                attempts[i] = new(TaskCreationOptions.RunContinuationsAsynchronously);
                toWrite[i].Written = attempts[i].Task;
                _notWrittenBytes -= toWrite[i].Sealed.Length;
            }
        }
        if (toWrite.Count == 0)
        {
            return;
        }
        Task<IReadOnlyList<ChangelogSegment>> upload;
        try
        {
            upload = _uploader.Upload([.. toWrite.Select(set => set.Sealed)], _cancellation);
        }
        catch (Exception ex)
        {
            upload = Task.FromException<IReadOnlyList<ChangelogSegment>>(ex); // cancelled while backpressured
        }
        for (int i = 0; i < toWrite.Count; i++)
        {
            int index = i;
            upload.ContinueWith(t => OnWritten(toWrite[index], t, index, attempts[index]), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>A write ended: keep the segment (or release it, when truncated meanwhile), or make the set writable again.</summary>
    private void OnWritten(ChangeSet set, Task<IReadOnlyList<ChangelogSegment>> upload, int index,
        TaskCompletionSource<ChangelogSegment> attempt)
    {
        if (upload.IsCompletedSuccessfully)
        {
            ChangelogSegment segment = upload.Result[index];
            bool dropped;
            lock (_gate)
            {
                set.Segment = segment;
                set.Sealed = set.Sealed with { Changes = [] }; // written: the bytes are on disk now
                dropped = set.Dropped;
            }
            if (dropped)
            {
                _uploader.Release(segment);
            }
            attempt.SetResult(segment);
            return;
        }
        lock (_gate)
        {
            if (!set.Dropped && set.Written == attempt.Task)
            {
                set.Written = null; // the next persist writes it again
                _notWrittenBytes += set.Sealed.Length;
            }
        }
        attempt.SetException(upload.Exception?.GetBaseException()
            ?? new OperationCanceledException($"Writing {_owner}'s state changes was cancelled."));
    }

    /// <summary>Under <c>_gate</c>: forgets a set, collecting its segment for release (or marking it, when still being written).</summary>
    private void Drop(ChangeSet set, List<ChangelogSegment> released)
    {
        set.Dropped = true;
        if (set.Segment is not null)
        {
            released.Add(set.Segment);
        }
        else if (set.Written is null)
        {
            _notWrittenBytes -= set.Sealed.Length;
        }
    }

    private IEnumerable<ChangeSet> Range(long from, long to) =>
        _sets.Values.Where(set => set.Sealed.SequenceNumber >= from && set.Sealed.SequenceNumber < to);

    private long FirstNotWritten()
    {
        lock (_gate)
        {
            return _sets.Values.FirstOrDefault(set => set.Written is null)?.Sealed.SequenceNumber ?? _activeSequence;
        }
    }

    private sealed class ChangeSet(SealedChangeSet sealedSet)
    {
        public SealedChangeSet Sealed { get; set; } = sealedSet;

        /// <summary>The write in progress or done; null while not written (or after a failed write).</summary>
        public Task<ChangelogSegment>? Written { get; set; }

        public ChangelogSegment? Segment { get; set; }

        /// <summary>The checkpoints whose persist covered the set and that were not aborted (pending or completed).</summary>
        public HashSet<long> CoveredBy { get; } = [];

        public long ConfirmedBy { get; set; }

        public bool Dropped { get; set; }
    }
}
