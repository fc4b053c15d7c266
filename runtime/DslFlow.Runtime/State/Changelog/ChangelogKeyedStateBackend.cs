using DslFlow.Checkpointing;
using DslFlow.State.Backends;
using DslFlow.Time.Timers;
using Microsoft.Extensions.Logging;

namespace DslFlow.State.Changelog;

/// <summary>
/// The changelog backend (Flink's <c>ChangelogKeyedStateBackend</c> with its <c>PeriodicMaterializationManager</c>
/// protocol and <c>ChangelogTruncateHelper</c>): it wraps any keyed backend, whose states generated code keeps using,
/// and logs every write to the subtask's <see cref="StateChangelogWriter"/>. A checkpoint
/// (<see cref="SnapshotChangelog"/>) is the last materialization plus the log since it, so its asynchronous part waits
/// only for the log's tail. A materialization (<see cref="TryMaterialize()"/>) is a normal snapshot of the wrapped backend,
/// written in the background into a shared state file; at most one is in flight until a completed checkpoint that uses
/// it confirms it; one with nothing new is skipped; <c>maxFailures</c> consecutive failures are tolerated, one more fails
/// the task. Once a checkpoint confirms a materialization, the log before it is truncated and the older materialization
/// released (the storage keeps whatever a retained checkpoint still lists). Task thread only; the materialization's
/// write runs on the thread pool and its outcome is taken up on the task thread by the next call.
/// </summary>
internal sealed class ChangelogKeyedStateBackend : IKeyedStateBackend
{
    private readonly IKeyedStateBackend _inner;
    private readonly StateChangelogWriter _log;
    private readonly ICheckpointStorageWorkerView _storage;
    private readonly string _owner;
    private readonly (int Index, int Parallelism, int MaxParallelism) _subtask;
    private readonly int _maxFailures;
    private readonly ILogger _logger;
    private readonly List<IChangelogState> _states = [];
    private readonly SortedDictionary<long, ChangelogCheckpoint> _checkpoints = [];
    private readonly List<StateHandle> _superseded = [];
    private ChangelogBase _base = ChangelogBase.Empty;
    private (long Id, long UpTo, Task<StateHandle> Write)? _running;
    private long? _unconfirmed;
    private long _lastMaterializationId;
    private int _consecutiveFailures;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private DateTimeOffset? _nextMaterialization;
    private readonly string _jobName;
    private readonly string _taskName;
    private readonly Action<MaterializationRecord>? _report;

    /// <param name="inner">The wrapped backend.</param>
    /// <param name="log">The subtask's state change log.</param>
    /// <param name="storage">Where materializations are written.</param>
    /// <param name="owner">The subtask, for messages and file names (<c>Task-3</c>).</param>
    /// <param name="subtaskIndex">The subtask's index.</param>
    /// <param name="parallelism">The task's parallelism.</param>
    /// <param name="maxParallelism">The job's number of key groups.</param>
    /// <param name="maxFailures">Consecutive failed materializations tolerated.</param>
    /// <param name="logger">Receives failed materializations.</param>
    /// <param name="interval">How often <see cref="MaterializeIfDue"/> materializes; the first time after a per-subtask offset.</param>
    /// <param name="time">The clock of <see cref="MaterializeIfDue"/>.</param>
    /// <param name="jobName">The job, for the <c>dslflow.changelog.*</c> instruments.</param>
    /// <param name="taskName">The task, for <see cref="MaterializationRecord"/>s (defaults to <paramref name="owner"/>).</param>
    /// <param name="report">Receives each ended materialization, from the thread that wrote it.</param>
    public ChangelogKeyedStateBackend(IKeyedStateBackend inner, StateChangelogWriter log, ICheckpointStorageWorkerView storage,
        string owner, int subtaskIndex, int parallelism, int maxParallelism, int maxFailures, ILogger logger,
        TimeSpan? interval = null, TimeProvider? time = null, string jobName = "", string? taskName = null,
        Action<MaterializationRecord>? report = null)
    {
        _jobName = jobName;
        _taskName = taskName ?? owner;
        _report = report;
        _inner = inner;
        _log = log;
        _storage = storage;
        _owner = owner;
        _subtask = (subtaskIndex, parallelism, maxParallelism);
        _maxFailures = maxFailures;
        _logger = logger;
        _interval = interval ?? TimeSpan.FromMinutes(10);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Materializes when the interval has elapsed since the last attempt; the first one comes after an offset in
    /// <c>[0, interval)</c> from the subtask's name (Flink spreads subtasks so they do not all materialize at once). Called
    /// on the task thread at each checkpoint's synchronous part, so a materialization starts with the first checkpoint
    /// after it is due. Returns null when not due.
    /// </summary>
    public MaterializationStart? MaterializeIfDue()
    {
        DateTimeOffset now = _time.GetUtcNow();
        _nextMaterialization ??= now + FirstOffset(_owner, _interval);
        if (now < _nextMaterialization)
        {
            return null;
        }
        MaterializationStart started = TryMaterialize();
        if (started != MaterializationStart.PreviousPending)
        {
            _nextMaterialization = now + _interval;
        }
        return started;
    }

    /// <summary>
    /// A subtask's delay before its first materialization: its name's hash scaled onto <c>[0, interval)</c>, so the
    /// subtasks of a job spread over the whole interval (FLINK-28976) and a restart keeps each one's place.
    /// </summary>
    internal static TimeSpan FirstOffset(string owner, TimeSpan interval) =>
        TimeSpan.FromTicks((long)((uint)StableHash.Of(owner) / 4294967296.0 * interval.Ticks));

    public KeyGroupRange KeyGroups => _inner.KeyGroups;

    public IReadOnlyList<(string Name, string Descriptor)> States => _inner.States;

    /// <summary>What new checkpoints build on.</summary>
    public ChangelogBase Base => _base;

    /// <summary>Materializations that completed, and that failed (for statistics and tests).</summary>
    public (int Completed, int Failed) Materializations { get; private set; }

    public KeyedState<TKey, TValue> GetOrCreateState<TKey, TValue>(KeyedStateDescriptor<TKey, TValue> descriptor)
        where TKey : notnull
    {
        KeyedState<TKey, TValue> state = _inner.GetOrCreateState(descriptor);
        if (state.ChangeLog is not IChangelogState) // first declaration; the backend's own hook (RocksDB's) stays behind it
        {
            _states.Add(StateChangeRecords.Wrap(state, descriptor, _states.Count, _log));
        }
        return state;
    }

    /// <summary>The wrapped backend's queue, every change of which is logged (<see cref="ChangelogTimerQueue{TKey}"/>).</summary>
    public IKeyedTimerQueue<TKey> GetOrCreateTimerQueue<TKey>(TimerQueueDescriptor<TKey> descriptor)
        where TKey : notnull
    {
        IKeyedTimerQueue<TKey> inner = _inner.GetOrCreateTimerQueue(descriptor); // refuses a name taken otherwise
        foreach (IChangelogState state in _states)
        {
            if (state.Name == descriptor.Name)
            {
                return (IKeyedTimerQueue<TKey>)state;
            }
        }
        var queue = new ChangelogTimerQueue<TKey>(inner, descriptor, _states.Count, _log, _subtask.MaxParallelism);
        _states.Add(queue);
        return queue;
    }

    /// <summary>The changelog backend's checkpoint is <see cref="SnapshotChangelog"/>; the full snapshot is its materialization.</summary>
    public IReadOnlyList<IKeyedStateSnapshot> Snapshot(long checkpointId) => throw new NotSupportedException(
        "A changelog backend's checkpoint is its last materialization plus the log since it (SnapshotChangelog).");

    /// <summary>The synchronous part of a checkpoint: the current materialization and the log since it, made durable.</summary>
    public ChangelogCheckpoint SnapshotChangelog(long checkpointId)
    {
        TakeUpMaterialization();
        long from = Math.Max(_base.UpTo, _log.LowestSequenceNumber);
        Task<IReadOnlyList<ChangelogSegment>> log = _log.PersistAsync(from, checkpointId);
        var checkpoint = new ChangelogCheckpoint(checkpointId, _base, from, _log.ActiveSequenceNumber, log);
        _checkpoints[checkpointId] = checkpoint;
        return checkpoint;
    }

    /// <summary>
    /// Starts a materialization unless the previous one is still pending or nothing changed since it. Its synchronous
    /// part (the wrapped backend's) runs here; the file is written on the thread pool.
    /// </summary>
    /// <exception cref="TaskStateException">More than <c>maxFailures</c> materializations failed in a row.</exception>
    public MaterializationStart TryMaterialize() => TryMaterialize(force: false);

    private MaterializationStart TryMaterialize(bool force)
    {
        TakeUpMaterialization();
        if (_running is not null || _unconfirmed is not null)
        {
            return MaterializationStart.PreviousPending;
        }
        long upTo = _log.NextSequenceNumber();
        if (upTo <= _base.UpTo && !force)
        {
            return MaterializationStart.NothingChanged;
        }
        long id = ++_lastMaterializationId;
        (DateTimeOffset, long) started = (_time.GetUtcNow(), System.Diagnostics.Stopwatch.GetTimestamp()); // the freeze counts
        IReadOnlyList<IKeyedStateSnapshot> frozen = _inner.Snapshot(id);
        foreach (IChangelogState state in _states)
        {
            state.ResetMetadata(); // the log after the materialization must describe its states again
        }
        _running = (id, upTo, Task.Run(() => WriteMaterializationAsync(id, frozen, started)));
        return MaterializationStart.Started;
    }

    /// <summary>Waits for a running materialization's file and takes up its outcome (tests, and a final checkpoint).</summary>
    public async Task WaitForMaterializationAsync()
    {
        if (_running is { } running)
        {
            try
            {
                await running.Write.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // taken up below
            }
        }
        TakeUpMaterialization();
    }

    /// <summary>A changelog backend restores from a changelog checkpoint's parts (<see cref="RestoreChangelog"/>).</summary>
    public void Restore(IKeyedStateSource source) => throw new NotSupportedException(
        "A changelog backend restores from the materialization and log parts of a checkpoint (RestoreChangelog).");

    /// <summary>
    /// Restores from a changelog checkpoint (Flink's <c>ChangelogBackendRestoreOperation</c>): the wrapped backend reads
    /// the owned key groups of every part's materialization, then every part's logs are replayed in order (metadata
    /// always, changes of owned key groups only). New checkpoints build on the restored parts until this run's first
    /// materialization; its id continues after the highest restored one.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">A materialization or log file is missing or damaged.</exception>
    /// <exception cref="TaskStateException">A state could not be decoded; names it.</exception>
    /// <param name="checkpointId">The restored checkpoint.</param>
    /// <param name="parts">The parts of the old subtasks whose key groups overlap this one's.</param>
    /// <param name="logs">Reads the log files, each once per restore.</param>
    /// <param name="allowNonRestoredState">Drop keyed states of the checkpoint the job no longer declares, instead of refusing.</param>
    /// <exception cref="JobConfigurationException">The checkpoint holds a keyed state the job does not declare, and dropping is not allowed.</exception>
    public void RestoreChangelog(long checkpointId, IReadOnlyList<ChangelogRestorePart> parts, ChangelogLogReader logs,
        bool allowNonRestoredState = false)
    {
        (IReadOnlyList<StateHandle> files, IReadOnlyList<IReadOnlyList<ChangelogSegment>> restoredLogs) =
            RestoreParts(_inner, _states, checkpointId, parts, logs, _storage, _owner, allowNonRestoredState);
        _lastMaterializationId = parts.Select(p => p.MaterializationId).DefaultIfEmpty(0).Max();
        _base = new ChangelogBase(_lastMaterializationId, files, restoredLogs, _log.NextSequenceNumber());
    }

    /// <summary>
    /// Restores from a checkpoint taken without the changelog (full snapshots): the wrapped backend reads it, then the
    /// restored state is materialized at once, since no log holds it (a changelog checkpoint needs a base).
    /// </summary>
    /// <exception cref="TaskStateException">The restored state could not be materialized.</exception>
    public void RestoreFromSnapshot(IKeyedStateSource source)
    {
        _inner.Restore(source);
        MaterializeRestored(source.CheckpointId);
    }

    /// <summary>
    /// Restores from a checkpoint of the wrapped backend's own files (RocksDB's incremental checkpoints): the wrapped
    /// backend opens them, then the restored state is materialized at once, as after a full snapshot.
    /// </summary>
    /// <exception cref="JobConfigurationException">The wrapped backend does not read native parts.</exception>
    /// <exception cref="TaskStateException">The restored state could not be materialized.</exception>
    public void RestoreFromNative(NativeRestore restore, Func<JobConfigurationException> otherBackend)
    {
        if (_inner is not INativeSnapshotBackend native)
        {
            throw otherBackend();
        }
        native.RestoreNative(restore);
        MaterializeRestored(restore.CheckpointId);
    }

    private void MaterializeRestored(long checkpointId)
    {
        TryMaterialize(force: true);
        try
        {
            WaitForMaterializationAsync().GetAwaiter().GetResult();
        }
        catch (TaskStateException)
        {
            throw;
        }
        if (_unconfirmed is null)
        {
            throw new TaskStateException($"could not materialize {_owner}'s keyed state restored from checkpoint "
                + $"{checkpointId} (taken without the changelog), which the changelog's first checkpoint needs",
                new IOException("the materialization failed; see the warning logged before"));
        }
    }

    /// <summary>
    /// The restore of a changelog checkpoint into <paramref name="target"/> (Flink's
    /// <c>ChangelogBackendRestoreOperation</c>): the owned key groups of every part's materialization files, then every
    /// part's logs replayed in order. Also restores a backend without changelog (states that only replay).
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">A materialization or log file is missing or damaged.</exception>
    /// <exception cref="TaskStateException">A state could not be decoded or replayed; names it.</exception>
    public static (IReadOnlyList<StateHandle> Files, IReadOnlyList<IReadOnlyList<ChangelogSegment>> Logs) RestoreParts(
        IKeyedStateBackend target, IReadOnlyList<IChangelogState> states, long checkpointId,
        IReadOnlyList<ChangelogRestorePart> parts, ChangelogLogReader logs, ICheckpointStorageWorkerView storage, string owner,
        bool allowNonRestoredState = false)
    {
        List<StateHandle> files = [.. parts.SelectMany(p => p.Materialized).DistinctBy(f => f.RelativePath)];
        var materialized = new MaterializedStateSource(checkpointId, storage, files);
        foreach (IChangelogState state in states)
        {
            materialized.CheckDescriptor(state.Name, state.Description);
        }
        List<string> undeclared = [.. materialized.StateNames.Except(states.Select(s => s.Name)).Order(StringComparer.Ordinal)];
        if (undeclared.Count > 0 && !allowNonRestoredState)
        {
            throw StateChangeReplay.Undeclared(checkpointId, undeclared, "in a changelog materialization");
        }
        target.Restore(materialized);
        var replay = new StateChangeReplay(states, target.KeyGroups, checkpointId, allowNonRestoredState);
        List<IReadOnlyList<ChangelogSegment>> restoredLogs = [];
        foreach (IReadOnlyList<ChangelogSegment> log in parts.SelectMany(p => p.Logs).Where(l => l.Count > 0))
        {
            replay.BeginLog();
            try
            {
                logs.Replay(checkpointId, log, replay.Apply);
            }
            catch (Exception ex) when (ex is Serialization.StateFormatException or InvalidOperationException)
            {
                throw new TaskStateException($"could not replay the state change log of checkpoint {checkpointId} into {owner}", ex);
            }
            restoredLogs.Add(log);
        }
        return (files, restoredLogs);
    }

    public void NotifyCheckpointComplete(long checkpointId)
    {
        TakeUpMaterialization();
        if (!_checkpoints.TryGetValue(checkpointId, out ChangelogCheckpoint? checkpoint))
        {
            return;
        }
        _log.Confirm(checkpoint.From, checkpoint.To, checkpointId);
        foreach (long older in _checkpoints.Keys.Where(id => id <= checkpointId).ToList())
        {
            _checkpoints.Remove(older); // subsumed: a completed checkpoint replaces every older one
        }
        if (_unconfirmed == checkpoint.Base.MaterializationId)
        {
            _unconfirmed = null;
            _consecutiveFailures = 0;
            _inner.NotifyCheckpointComplete(checkpoint.Base.MaterializationId);
            foreach (StateHandle old in _superseded)
            {
                _storage.ReleaseOwnedSharedState(old); // a retained checkpoint that lists it keeps it
            }
            _superseded.Clear();
            _log.Truncate(checkpoint.Base.UpTo); // Flink: subsumed and materialized
        }
    }

    public void NotifyCheckpointAborted(long checkpointId)
    {
        if (_checkpoints.Remove(checkpointId, out ChangelogCheckpoint? checkpoint))
        {
            _log.Reset(checkpoint.From, checkpoint.To, checkpointId);
        }
    }

    /// <summary>Waits (a bounded time) for a materialization being written, then closes the log and the wrapped backend.</summary>
    public void Dispose()
    {
        if (_running is { } running && !Task.WhenAny(running.Write, Task.Delay(TimeSpan.FromSeconds(30))).GetAwaiter().GetResult().Equals(running.Write))
        {
            _logger.LogWarning("Materialization {Id} of {Owner} was still being written 30 s after the task stopped; the next "
                + "start removes its file if no checkpoint lists it", running.Id, _owner);
        }
        ChangelogMetrics.Forget(_jobName, _taskName, _subtask.Index);
        _log.Dispose();
        _inner.Dispose();
    }

    /// <summary>Takes up a finished materialization's outcome, on the task thread.</summary>
    private void TakeUpMaterialization()
    {
        if (_running is not { } running || !running.Write.IsCompleted)
        {
            return;
        }
        _running = null;
        if (running.Write.IsCompletedSuccessfully)
        {
            Materializations = (Materializations.Completed + 1, Materializations.Failed);
            _superseded.AddRange(_base.Files);
            _base = new ChangelogBase(running.Id, [running.Write.Result], [], running.UpTo);
            _unconfirmed = running.Id;
            return;
        }
        Materializations = (Materializations.Completed, Materializations.Failed + 1);
        Exception failure = running.Write.Exception?.GetBaseException() ?? new OperationCanceledException("cancelled");
        _consecutiveFailures++;
        if (_consecutiveFailures > _maxFailures)
        {
            throw new TaskStateException($"{_consecutiveFailures} materializations of {_owner}'s keyed state failed in a "
                + $"row, more than the {_maxFailures} PipelineOptions.Changelog.MaxMaterializationFailures allows; the "
                + "last failure is the inner exception", failure);
        }
        _logger.LogWarning(failure, "Materialization {Id} of {Owner}'s keyed state failed ({Failures} in a row, {Allowed} "
            + "allowed); checkpoints keep using the log", running.Id, _owner, _consecutiveFailures, _maxFailures);
    }

    /// <summary>The subtask's name as it may appear in a file name: at most 100 letters, digits, '.', '-' and '_'.</summary>
    private static string FileNamePart(string owner) =>
        new([.. owner.Take(100).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);

    private async Task<StateHandle> WriteMaterializationAsync(long id, IReadOnlyList<IKeyedStateSnapshot> frozen,
        (DateTimeOffset At, long Timestamp) started)
    {
        long? written = null;
        string? failure = "cancelled";
        try
        {
            var sections = frozen.Select(s => new SectionContent(s.Name, StateScope.Keyed, s.Descriptor, s.Serialize(CancellationToken.None))).ToList();
            await using CheckpointStateOutputStream stream = _storage.OpenOwnedSharedStateWriter($"materialization-{FileNamePart(_owner)}-{id}");
            await StateFileWriter.WriteAsync(stream, _subtask.Index, _subtask.Parallelism, _subtask.MaxParallelism, sections,
                CancellationToken.None).ConfigureAwait(false);
            StateHandle file = await stream.CloseAndGetHandleAsync().ConfigureAwait(false);
            written = file.Length;
            failure = null;
            return file;
        }
        catch (Exception ex)
        {
            failure = $"{ex.GetType().Name}: {ex.Message}";
            throw;
        }
        finally
        {
            // The heap backend writes its whole state each time: every byte of a materialization is new.
            var record = new MaterializationRecord(id, _taskName, _subtask.Index, started.At,
                System.Diagnostics.Stopwatch.GetElapsedTime(started.Timestamp), failure)
            {
                FullSize = written ?? 0,
                IncrementalSize = written ?? 0,
            };
            ChangelogMetrics.RecordMaterialization(_jobName, record);
            _report?.Invoke(record);
            foreach (IKeyedStateSnapshot snapshot in frozen)
            {
                snapshot.Dispose();
            }
        }
    }
}
