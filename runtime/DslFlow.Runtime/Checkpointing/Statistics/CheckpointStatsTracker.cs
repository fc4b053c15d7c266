using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace DslFlow.Checkpointing;

/// <summary>
/// Keeps a job's checkpoint statistics across restarts: the coordinator reports triggers, acknowledgements and ends;
/// the tracker keeps a bounded history and the totals, writes <c>checkpoint-stats.json</c>, records the metrics and
/// logs one line per completed or failed checkpoint. Thread-safe.
/// </summary>
internal sealed class CheckpointStatsTracker
{
    public const string FileName = "checkpoint-stats.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly object _lock = new();
    private readonly string _jobName;
    private readonly int _historySize;
    private readonly string? _jsonPath;
    private readonly ILogger _logger;
    private readonly Dictionary<long, Tracked> _inProgress = [];
    private readonly LinkedList<CheckpointRecord> _ended = new();
    private readonly Queue<RestoredCheckpointStats> _restores = new();
    private long _completed;
    private long _failed;
    private long _restored;
    private CheckpointRecord? _latestCompleted;
    private CheckpointRecord? _latestFailed;
    private RestoredCheckpointStats? _latestRestored;
    private readonly Dictionary<long, TaskCompletionSource<CheckpointRecord>> _waiters = [];
    private HashSet<string> _previousFiles = new(StringComparer.Ordinal); // of the latest completed checkpoint
    private readonly Queue<MaterializationRecord> _materializations = new();
    private long _completedMaterializations;
    private long _failedMaterializations;

    public CheckpointStatsTracker(string jobName, int historySize, string? jsonDirectory, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historySize, 1);
        _jobName = jobName;
        _historySize = historySize;
        _jsonPath = jsonDirectory is null ? null : Path.Combine(jsonDirectory, FileName);
        _logger = logger;
    }

    public void ReportTriggered(long id, DateTimeOffset at, int subtasks)
    {
        lock (_lock)
        {
            _inProgress[id] = new Tracked(id, at, subtasks);
            // Created now, so a caller asking right after the trigger finds it even if many checkpoints end meanwhile.
            _waiters[id] = new TaskCompletionSource<CheckpointRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReportSubtask(long id, SubtaskCheckpointStats stats)
    {
        lock (_lock)
        {
            if (_inProgress.TryGetValue(id, out Tracked? tracked))
            {
                tracked.Subtasks.Add(stats);
                if (!stats.Aborted)
                {
                    tracked.Acknowledged++;
                }
            }
        }
        if (!stats.Aborted)
        {
            CheckpointMetrics.RecordAlignment(_jobName, stats.AlignmentDuration);
        }
    }

    public CheckpointRecord ReportCompleted(long id, DateTimeOffset at) => ReportCompleted(id, at, []);

    /// <summary>
    /// A checkpoint completed with these state handles: its full size counts every referenced file once, its
    /// incremental size the files the previous completed checkpoint did not reference.
    /// </summary>
    public CheckpointRecord ReportCompleted(long id, DateTimeOffset at, IEnumerable<StateHandle> handles)
    {
        Dictionary<string, long> files = [];
        foreach (StateHandle handle in handles)
        {
            files.TryAdd(handle.RelativePath, handle.Length);
        }
        long incremental;
        lock (_lock)
        {
            incremental = files.Where(f => !_previousFiles.Contains(f.Key)).Sum(f => f.Value);
            _previousFiles = [.. files.Keys];
        }
        return End(id, at, CheckpointStatus.Completed, null, null, (files.Values.Sum(), incremental));
    }

    public CheckpointRecord ReportFailed(long id, DateTimeOffset at, CheckpointFailureCategory category, string reason) =>
        End(id, at, category.Status(), category, reason);

    /// <summary>
    /// The job restored checkpoint <paramref name="id"/>, whose files are <paramref name="handles"/>: the next checkpoint's
    /// incremental size counts only what it adds to them (a changelog checkpoint after a restore reuses its files).
    /// </summary>
    public void ReportRestored(long id, DateTimeOffset at, bool atStart, IEnumerable<StateHandle>? handles = null)
    {
        lock (_lock)
        {
            if (handles is not null)
            {
                _previousFiles = new HashSet<string>(handles.Select(h => h.RelativePath), StringComparer.Ordinal);
            }
            _restored++;
            _latestRestored = new RestoredCheckpointStats(id, at, atStart);
            _restores.Enqueue(_latestRestored);
            while (_restores.Count > _historySize)
            {
                _restores.Dequeue();
            }
        }
        WriteJson();
    }

    /// <summary>A changelog subtask's materialization ended (thread-safe; called from the thread that wrote it).</summary>
    public void ReportMaterialization(MaterializationRecord record)
    {
        lock (_lock)
        {
            _materializations.Enqueue(record);
            while (_materializations.Count > _historySize)
            {
                _materializations.Dequeue();
            }
            if (record.Completed)
            {
                _completedMaterializations++;
            }
            else
            {
                _failedMaterializations++;
            }
        }
        if (record.Completed)
        {
            _logger.LogInformation("Materialization {Id} of {Task} ({Subtask}) in job {Job} completed in {Duration} ms: {Size} bytes",
                record.Id, record.TaskName, record.SubtaskIndex, _jobName, record.Duration.TotalMilliseconds, record.FullSize);
        }
        WriteJson();
    }

    /// <summary>Completes when checkpoint <paramref name="id"/> ends (completed, failed or aborted), with its record.</summary>
    public Task<CheckpointRecord> WhenEnded(long id)
    {
        lock (_lock)
        {
            if (_waiters.TryGetValue(id, out TaskCompletionSource<CheckpointRecord>? waiter))
            {
                return waiter.Task;
            }
            return _ended.FirstOrDefault(r => r.Id == id) is { } ended
                ? Task.FromResult(ended)
                : Task.FromException<CheckpointRecord>(new InvalidOperationException(
                    $"Checkpoint {id} is neither in progress nor in the last {_historySize} ended checkpoints (StatsHistorySize)."));
        }
    }

    /// <summary>The statistics now.</summary>
    public CheckpointStats Snapshot()
    {
        lock (_lock)
        {
            var history = new List<CheckpointRecord>(_ended);
            history.AddRange(_inProgress.Values.OrderBy(t => t.Id).Select(t => t.ToRecord(CheckpointStatus.InProgress, null, null, null)));
            if (history.Count > _historySize)
            {
                history.RemoveRange(0, history.Count - _historySize);
            }
            return new CheckpointStats(new CheckpointCounts(_completed, _failed, _inProgress.Count, _restored), history,
                _latestCompleted, _latestFailed, _latestRestored)
            {
                Restores = [.. _restores],
                Materializations = [.. _materializations],
                CompletedMaterializations = _completedMaterializations,
                FailedMaterializations = _failedMaterializations,
            };
        }
    }

    private CheckpointRecord End(long id, DateTimeOffset at, CheckpointStatus status, CheckpointFailureCategory? category, string? reason,
        (long Full, long Incremental) sizes = default)
    {
        CheckpointRecord record;
        lock (_lock)
        {
            Tracked tracked = _inProgress.Remove(id, out Tracked? found) ? found : new Tracked(id, at, 0);
            record = tracked.ToRecord(status, at, category, reason) with { FullSize = sizes.Full, IncrementalSize = sizes.Incremental };
            _ended.AddLast(record);
            while (_ended.Count > _historySize)
            {
                _ended.RemoveFirst();
            }
            if (status == CheckpointStatus.Completed)
            {
                _completed++;
                _latestCompleted = record;
            }
            else
            {
                _failed++;
                _latestFailed = record;
            }
            if (_waiters.Remove(id, out TaskCompletionSource<CheckpointRecord>? waiter))
            {
                waiter.TrySetResult(record);
            }
        }
        if (status == CheckpointStatus.Completed)
        {
            _logger.LogInformation("Checkpoint {Id} of job {Job} completed in {Duration} ms: {Size} bytes of state ({Incremental} "
                + "new of {Full} referenced), {Acknowledged}/{Total} subtasks", id, _jobName, record.Duration?.TotalMilliseconds,
                record.StateSize, record.IncrementalSize, record.FullSize, record.Acknowledged, record.Total);
        }
        else
        {
            _logger.LogWarning("Checkpoint {Id} of job {Job} {Status} after {Duration} ms ({Category}): {Reason}",
                id, _jobName, status == CheckpointStatus.Failed ? "failed" : "was aborted", record.Duration?.TotalMilliseconds, category, reason);
        }
        CheckpointMetrics.RecordCheckpoint(_jobName, record);
        WriteJson();
        return record;
    }

    /// <summary>Writes the statistics beside the checkpoints: a temporary file, then an atomic rename.</summary>
    private void WriteJson()
    {
        if (_jsonPath is null)
        {
            return;
        }
        try
        {
            string temp = _jsonPath + "." + Environment.CurrentManagedThreadId + ".tmp";
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(Snapshot(), Json));
            File.Move(temp, _jsonPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Writing checkpoint statistics to {Path} failed", _jsonPath);
        }
    }

    private sealed class Tracked(long id, DateTimeOffset triggeredAt, int total)
    {
        public long Id { get; } = id;

        public int Acknowledged { get; set; }

        public List<SubtaskCheckpointStats> Subtasks { get; } = [];

        public CheckpointRecord ToRecord(CheckpointStatus status, DateTimeOffset? endedAt, CheckpointFailureCategory? category, string? reason) =>
            new(Id, status, triggeredAt, endedAt, Acknowledged, total, reason)
            {
                LatestAcknowledgedAt = Subtasks.Count == 0 ? null : Subtasks.Max(s => s.AcknowledgedAt),
                StateSize = Subtasks.Where(s => !s.Aborted).Sum(s => s.StateSize),
                ProcessedInFlightRecords = Subtasks.Where(s => !s.Aborted).Sum(s => s.ProcessedInFlightRecords),
                PersistedInFlightBytes = Subtasks.Where(s => !s.Aborted).Sum(s => s.PersistedInFlightBytes),
                IsUnaligned = Subtasks.Any(s => s.Unaligned),
                FailureCategory = category,
                Subtasks = [.. Subtasks.OrderBy(s => s.TaskName, StringComparer.Ordinal).ThenBy(s => s.SubtaskIndex)],
            };
    }
}
