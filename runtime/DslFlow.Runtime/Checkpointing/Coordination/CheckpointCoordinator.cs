using Microsoft.Extensions.Logging;

namespace DslFlow.Checkpointing;

/// <summary>
/// Triggers checkpoints periodically (interval, min pause, max concurrent), injects their barriers at the sources,
/// collects one acknowledgement per subtask, and completes a checkpoint when all arrived: the completion hook (which
/// writes the metadata, last) runs, then every subtask is notified. A checkpoint that is not complete within the
/// timeout expires; a completed checkpoint subsumes older pending ones; a decline fails it. Expiry, failures of the
/// asynchronous phase and storage failures count against the tolerable-failures budget (declines and subsumption do
/// not); past it, <see cref="TooManyFailures"/> is raised. Every event goes to the job's statistics. Thread-safe:
/// tasks, timers and callers call it concurrently.
/// </summary>
internal sealed class CheckpointCoordinator : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly CheckpointConfig _config;
    private readonly TimeProvider _time;
    private readonly ICheckpointParticipants _participants;
    private readonly ILogger _logger;
    private readonly SortedDictionary<long, PendingCheckpoint> _pending = [];
    private readonly CheckpointStatsTracker _stats;
    private ITimer? _periodic;
    private long _nextId;
    private long _lastEndTicks = long.MinValue;
    private int _consecutiveFailures;
    private int _completing; // fully acknowledged, metadata being written: still counts against MaxConcurrentCheckpoints
    private bool _stopped;
    private readonly List<Task> _completions = []; // metadata writes in flight

    public CheckpointCoordinator(CheckpointConfig config, ICheckpointParticipants participants, TimeProvider time, ILogger logger,
        long firstCheckpointId = 1, CheckpointStatsTracker? stats = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(firstCheckpointId, 1);
        _stats = stats ?? new CheckpointStatsTracker("job", config.StatsHistorySize, null, logger);
        _nextId = firstCheckpointId;
        _config = config;
        _participants = participants;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised (once) when more consecutive checkpoints failed than tolerated; the job must fail over.</summary>
    public event Action<string>? TooManyFailures;

    /// <summary>The id the next triggered checkpoint gets (ids never repeat within a job, across restarts too).</summary>
    public long NextCheckpointId
    {
        get
        {
            lock (_lock)
            {
                return _nextId;
            }
        }
    }

    /// <summary>The id of the newest completed checkpoint, or 0. Written under the lock.</summary>
    public long LatestCompletedId { get; private set; }

    /// <summary>The most recent checkpoints, oldest first (see <see cref="CheckpointStatsTracker"/>).</summary>
    public IReadOnlyList<CheckpointRecord> History => _stats.Snapshot().History;

    /// <summary>Starts periodic triggering.</summary>
    public void Start() => _periodic = _time.CreateTimer(_ => TryTrigger(periodic: true, onDemand: false), null, _config.Interval, _config.Interval);

    /// <summary>Triggers a checkpoint now unless limits forbid it; returns its id, or null.</summary>
    public long? TriggerNow() => TryTrigger(periodic: false, onDemand: false);

    /// <summary>
    /// Triggers a checkpoint the user asked for, unless limits forbid it; returns its id, or null. Like a savepoint in
    /// Flink, its failure does not count against <c>TolerableFailedCheckpoints</c>.
    /// </summary>
    public long? TriggerOnDemand() => TryTrigger(periodic: false, onDemand: true);

    /// <summary>A subtask snapshotted checkpoint <paramref name="id"/>.</summary>
    public void Acknowledge(long id, int subtask, IReadOnlyList<StateHandle>? state = null, SubtaskCheckpointStats? stats = null)
    {
        PendingCheckpoint? complete = null;
        TaskCompletionSource? completion = null;
        lock (_lock)
        {
            if (_stopped || !_pending.TryGetValue(id, out PendingCheckpoint? pending) || !pending.Acknowledge(subtask, state ?? []))
            {
                return; // late or duplicate acknowledgement of an aborted, expired or completed checkpoint
            }
            _stats.ReportSubtask(id, stats ?? new SubtaskCheckpointStats("subtask", subtask, _time.GetUtcNow(), TimeSpan.Zero,
                TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, state?.Sum(h => h.Length) ?? 0, 0, 0, false, false));
            if (pending.IsFullyAcknowledged)
            {
                _pending.Remove(id);
                _completing++;
                complete = pending;
                // Registered under the same lock that counts it, so a shutdown that takes the lock next waits for it.
                completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _completions.RemoveAll(t => t.IsCompleted);
                _completions.Add(completion.Task);
            }
        }
        if (complete is not null)
        {
            _ = CompleteAndSignalAsync(complete, completion!);
        }
    }

    private async Task CompleteAndSignalAsync(PendingCheckpoint pending, TaskCompletionSource done)
    {
        try
        {
            await CompleteAsync(pending).ConfigureAwait(false);
        }
        finally
        {
            done.TrySetResult();
        }
    }

    /// <summary>Barriers of the checkpoints in progress that <paramref name="subtask"/> has not acknowledged.</summary>
    public IReadOnlyList<CheckpointBarrier> PendingFor(int subtask)
    {
        lock (_lock)
        {
            return _pending.Values.Where(p => !p.HasAcknowledged(subtask))
                .Select(p => new CheckpointBarrier(p.Id, p.TriggeredAt.ToUnixTimeMilliseconds(), _config.Alignment)).ToList();
        }
    }

    /// <summary>
    /// A subtask cannot take checkpoint <paramref name="id"/>: its alignment was abandoned
    /// (<see cref="CheckpointFailureCategory.Declined"/>) or writing its state failed
    /// (<see cref="CheckpointFailureCategory.AsyncPhaseFailed"/>).
    /// </summary>
    public void Decline(long id, int subtask, string reason, CheckpointFailureCategory category = CheckpointFailureCategory.Declined,
        SubtaskCheckpointStats? stats = null)
    {
        if (stats is not null)
        {
            _stats.ReportSubtask(id, stats with { Aborted = true });
        }
        Fail(id, category, $"declined by {(stats is null ? $"subtask {subtask}" : $"{stats.TaskName} subtask {stats.SubtaskIndex}")}: {reason}");
    }

    /// <summary>
    /// Stops triggering, aborts pending checkpoints, and waits for metadata writes in flight: afterwards the storage
    /// shows exactly the checkpoints that completed, so a restore that follows picks the right one.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        List<PendingCheckpoint> aborted;
        Task[] completions;
        lock (_lock)
        {
            _stopped = true;
            aborted = [.. _pending.Values];
            _pending.Clear();
            completions = [.. _completions];
        }
        if (_periodic is not null)
        {
            await _periodic.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(completions).ConfigureAwait(false); // CompleteAsync catches its own failures
        foreach (PendingCheckpoint p in aborted)
        {
            End(p, CheckpointFailureCategory.JobStopped, "the job stopped");
        }
    }

    private long? TryTrigger(bool periodic, bool onDemand)
    {
        PendingCheckpoint pending;
        lock (_lock)
        {
            if (_stopped || _pending.Count + _completing >= _config.MaxConcurrentCheckpoints)
            {
                return null;
            }
            if (periodic && _lastEndTicks != long.MinValue &&
                _time.GetElapsedTime(_lastEndTicks) < _config.MinPause)
            {
                return null;
            }
            pending = new PendingCheckpoint(_nextId++, _time.GetUtcNow(), _participants.SubtaskCount) { OnDemand = onDemand };
            _pending.Add(pending.Id, pending);
            _stats.ReportTriggered(pending.Id, pending.TriggeredAt, _participants.SubtaskCount);
            pending.Timeout = _time.CreateTimer(_ => Fail(pending.Id, CheckpointFailureCategory.Expired, $"expired after {_config.Timeout}"),
                null, _config.Timeout, Timeout.InfiniteTimeSpan);
        }
        var barrier = new CheckpointBarrier(pending.Id, pending.TriggeredAt.ToUnixTimeMilliseconds(), _config.Alignment);
        _participants.InjectBarrier(barrier);
        return pending.Id;
    }

    private async Task CompleteAsync(PendingCheckpoint pending)
    {
        long? newer = NewerCompleted(pending.Id);
        bool persisted = newer is null;
        if (persisted)
        {
            try
            {
                await _participants.PersistAsync(pending.Id, pending.TriggeredAt, pending.State).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                lock (_lock)
                {
                    _completing--;
                }
                RecordFailure(pending, CheckpointFailureCategory.StorageFailed, $"storing it failed: {ex.Message}");
                return;
            }
        }
        List<PendingCheckpoint> subsumed;
        lock (_lock)
        {
            _completing--;
            // A newer checkpoint completed while this one's metadata was written (MaxConcurrentCheckpoints > 1): it
            // covers everything this one does, so this one ends subsumed, not failed (Flink does the same).
            newer ??= LatestCompletedId > pending.Id ? LatestCompletedId : null;
            if (newer is null)
            {
                LatestCompletedId = pending.Id;
                _consecutiveFailures = 0;
            }
            subsumed = newer is null ? _pending.Values.Where(p => p.Id < pending.Id).ToList() : [];
            foreach (PendingCheckpoint p in subsumed)
            {
                _pending.Remove(p.Id);
            }
        }
        if (newer is long newerId)
        {
            End(pending, CheckpointFailureCategory.Subsumed, $"subsumed by checkpoint {newerId}, which completed first");
            if (!persisted)
            {
                _participants.NotifyAborted(pending.Id); // nothing of it is stored: its files go
            }
            _participants.CheckpointEnded();
            return;
        }
        pending.Timeout?.Dispose();
        _stats.ReportCompleted(pending.Id, _time.GetUtcNow(), pending.State.Where(s => s is not null).SelectMany(s => s));
        lock (_lock)
        {
            _lastEndTicks = _time.GetTimestamp();
        }
        _participants.NotifyComplete(pending.Id);
        foreach (PendingCheckpoint p in subsumed)
        {
            End(p, CheckpointFailureCategory.Subsumed, $"subsumed by checkpoint {pending.Id}");
            _participants.NotifyAborted(p.Id);
        }
        _participants.CheckpointEnded();
    }

    private long? NewerCompleted(long id)
    {
        lock (_lock)
        {
            return LatestCompletedId > id ? LatestCompletedId : null;
        }
    }

    private void Fail(long id, CheckpointFailureCategory category, string reason)
    {
        PendingCheckpoint? pending;
        lock (_lock)
        {
            if (!_pending.Remove(id, out pending))
            {
                return;
            }
        }
        RecordFailure(pending, category, reason);
    }

    /// <summary>
    /// Ends a checkpoint that did not complete and tells every task to abort it; expiry, asynchronous-phase and
    /// storage failures count against the budget.
    /// </summary>
    private void RecordFailure(PendingCheckpoint pending, CheckpointFailureCategory category, string reason)
    {
        End(pending, category, reason);
        _participants.NotifyAborted(pending.Id);
        bool tooMany = false;
        int failures;
        lock (_lock)
        {
            if (category.CountsAgainstTolerance() && !pending.OnDemand)
            {
                _consecutiveFailures++;
                tooMany = !_stopped && _consecutiveFailures > _config.TolerableFailedCheckpoints;
                if (tooMany)
                {
                    _stopped = true;
                }
            }
            failures = _consecutiveFailures;
        }
        if (tooMany)
        {
            TooManyFailures?.Invoke($"Checkpoint {pending.Id} failed ({category}: {reason}); {failures} consecutive "
                + $"failures exceed TolerableFailedCheckpoints = {_config.TolerableFailedCheckpoints}.");
        }
        else
        {
            _participants.CheckpointEnded();
        }
    }

    private void End(PendingCheckpoint pending, CheckpointFailureCategory category, string reason)
    {
        pending.Timeout?.Dispose();
        _stats.ReportFailed(pending.Id, _time.GetUtcNow(), category, reason);
        lock (_lock)
        {
            _lastEndTicks = _time.GetTimestamp();
        }
    }
}
