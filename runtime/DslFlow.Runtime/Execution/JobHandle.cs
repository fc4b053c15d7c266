using System.Diagnostics;
using System.Runtime.ExceptionServices;
using DslFlow.Checkpointing;
using DslFlow.Execution;
using Microsoft.Extensions.Logging;

namespace DslFlow;

/// <summary>
/// A running job: its completion, live figures, cancellation, and the source and sink instances its factory
/// methods returned. With checkpoints, the job resumes from the latest completed checkpoint in the checkpoint
/// directory at start (unless told to start fresh) and, after a failure, restarts as its
/// <see cref="PipelineOptions.RestartStrategy"/> allows, from the latest completed checkpoint. Disposing it cancels
/// the job and waits for every task to stop; a restart or a stop waits for a task stuck in user code at most
/// <see cref="PipelineOptions.TaskCancellationTimeout"/>, then abandons it.
/// </summary>
public sealed class JobHandle : IAsyncDisposable
{
    private readonly JobPlan _plan;
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _userToken;
    private readonly ILogger _logger;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ICheckpointStorage? _storage;
    private readonly JobCheckpointFolder? _folder;
    private readonly CheckpointSelector? _selector;
    private readonly long _minimumRestoreId;
    private long? _acceptedCommitted; // a sink commit the user accepted to repeat with RestoreFrom
    private readonly CheckpointStatsTracker? _stats;
    private readonly RestartStrategy _restartStrategy;
    private volatile ExecutionAttempt _attempt;

    internal JobHandle(JobPlan plan, CancellationTokenSource cancellation, CancellationToken userToken)
    {
        _plan = plan;
        CheckpointConfig = plan.Checkpointing;
        Graph = plan.Graph;
        JobName = plan.JobName;
        _cancellation = cancellation;
        _userToken = userToken;
        _logger = plan.Options.LoggerFactory.CreateLogger("DslFlow.Job");
        _restartStrategy = plan.Options.RestartStrategy ?? (plan.Checkpointing is null ? RestartStrategy.None : RestartStrategy.Default);
        _logger.LogInformation("Job {Job} starting {Subtasks} subtasks in {Tasks} tasks (restart strategy: {Restart})",
            JobName, plan.Parallelism.Sum(), plan.Graph.Chains.Count, _restartStrategy);
        RestoredCheckpoint? restored = null;
        if (plan.Checkpointing is { } checkpointing)
        {
            ILogger checkpointLogger = plan.Options.LoggerFactory.CreateLogger("DslFlow.Checkpoints");
            _folder = JobCheckpointFolder.Open(checkpointing.Directory, JobName, checkpointing.StartFresh, checkpointLogger);
            try
            {
                _storage = checkpointing.Storage ?? new LocalCheckpointStorage(_folder.FolderPath, checkpointing.RetainedCheckpoints, checkpointLogger);
                _selector = new CheckpointSelector(_storage, JobName, _folder.FolderPath, checkpointLogger);
                _stats = new CheckpointStatsTracker(JobName, checkpointing.StatsHistorySize, _folder.FolderPath, checkpointLogger);
                if (_folder.PreviousRunFinished)
                {
                    _storage.DiscardAll(); // what a crash during the finished run's discard left behind
                }
                bool newRun = checkpointing.StartFresh || _folder.PreviousRunFinished;
                // Checkpoints below the run's first id are an earlier run's (StartFresh replaced it): never restored.
                _minimumRestoreId = newRun ? FirstCheckpointId(null) : _folder.StoredIdentity?.FirstCheckpointId ?? 1;
                // Start is synchronous; the first restore reads local files before any task exists.
                restored = newRun ? null : Restore(atStart: true, _folder.StoredIdentity, CancellationToken.None).GetAwaiter().GetResult();
                if (checkpointing.StartFresh)
                {
                    _storage.CleanUpPartial();
                    _logger.LogInformation("Job {Job} starts fresh: checkpoints in {Directory} are not restored", JobName, _folder.FolderPath);
                }
                JobIdentity identity = newRun ? JobIdentity.New(JobName) with { FirstCheckpointId = _minimumRestoreId }
                    : _folder.StoredIdentity ?? restored?.Job ?? JobIdentity.New(JobName);
                _folder.WriteIdentity(identity);
                if (_folder.PreviousRunFinished)
                {
                    _folder.ClearFinished();
                }
                plan.Identity = identity;
                RecoverSinks(restored);
            }
            catch
            {
                _folder.Dispose();
                throw;
            }
        }
        else
        {
            RecoverSinks(null); // a run without checkpoints owns nothing from before; sinks only check their output
        }
        try
        {
            ValidateNodes(restored is not null);
            _attempt = new ExecutionAttempt(plan, 1, restored, _storage, _stats, FirstCheckpointId(null), _cancellation.Token);
        }
        catch
        {
            _folder?.Dispose();
            throw;
        }
        JobMetrics.Register(this);
        Completion = RunAsync();
    }

    /// <summary>The checkpoint settings the job runs with, or null when checkpoints are off.</summary>
    public CheckpointConfig? CheckpointConfig { get; }

    /// <summary>
    /// The most recent checkpoints over every restart, oldest first (at most
    /// <see cref="CheckpointingOptions.StatsHistorySize"/>; empty when checkpoints are off). See <see cref="CheckpointStats"/>.
    /// </summary>
    public IReadOnlyList<CheckpointRecord> Checkpoints => _stats?.Snapshot().History ?? [];

    /// <summary>
    /// The checkpoint statistics now — counts, history, latest completed, failed and restored checkpoint — or null when
    /// checkpoints are off. The same figures are written to <c>checkpoint-stats.json</c> in the checkpoint directory.
    /// </summary>
    public CheckpointStats? CheckpointStats => _stats?.Snapshot();

    /// <summary>The id of the checkpoint the current run restored, or null when it started without one.</summary>
    public long? RestoredCheckpointId { get; private set; }

    /// <summary>How many times the job restarted after a failure.</summary>
    public int RestartCount => _attempt.Number - 1;

    /// <summary>The job's name.</summary>
    public string JobName { get; }

    /// <summary>The job graph.</summary>
    public JobGraph Graph { get; }

    /// <summary>
    /// Completes with the result when every task reached the end of its input; faults with a
    /// <see cref="PipelineExecutionException"/> (or <see cref="CheckpointFailureException"/>) when the job failed and
    /// the restart strategy gave up; is cancelled when the job was cancelled.
    /// </summary>
    public Task<JobResult> Completion { get; }

    /// <summary>The subtasks of the current run.</summary>
    internal IReadOnlyList<StreamTask> Tasks => _attempt.Tasks;

    /// <summary>The instance a node's factory method returned (for example a <see cref="CollectSink{T}"/>).</summary>
    public T GetNode<T>(string nodeName)
        where T : class
    {
        if (!_plan.Builder.Nodes.TryGetValue(nodeName, out object? node))
        {
            throw new ArgumentException($"Job '{JobName}' has no source or sink named '{nodeName}'. Known: {string.Join(", ", _plan.Builder.Nodes.Keys)}.", nameof(nodeName));
        }
        return node as T ?? throw new ArgumentException($"Node '{nodeName}' is a {node.GetType().Name}, not a {typeof(T).Name}.", nameof(nodeName));
    }

    /// <summary>Figures of every subtask of the current run (they start again from 0 after a restart).</summary>
    public JobProgress GetProgress() => new(_clock.Elapsed, Tasks.Select(t => new TaskMetrics(
        t.Context.TaskName, t.Context.SubtaskIndex, t is ISourceTask, t.RecordsIn, t.RecordsOut, t.RecordsToSinks,
        t.IsFinished || t.IsWaitingForFinalCheckpoint, t.InputBufferSize, t.EstimatedTimeToConsumeBuffers,
        t.IsWaitingForFinalCheckpoint && !t.IsFinished, t.InputWatermark,
        JobMetrics.WatermarkLag(t) is long lag ? TimeSpan.FromMilliseconds(lag) : null, t.TimersPendingForMetrics,
        t.LateRecordsDroppedForMetrics)).ToList());

    /// <summary>
    /// Takes a checkpoint now, besides the periodic ones (it waits while another checkpoint is in progress, as the
    /// concurrency limit requires), and returns its record once it ended: completed, or failed with the reason. Like a
    /// savepoint in Flink, its failure does not count against <see cref="CheckpointingOptions.TolerableFailedCheckpoints"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the checkpoint, if triggered, goes on).</param>
    /// <exception cref="InvalidOperationException">The job takes no checkpoints, or it has ended.</exception>
    public async Task<CheckpointRecord> TriggerCheckpointAsync(CancellationToken cancellationToken = default)
    {
        CheckpointStatsTracker stats = _stats ?? throw new InvalidOperationException(
            $"Job '{JobName}' takes no checkpoints: set options.Checkpointing.Interval or [Checkpointing] to trigger one.");
        while (true)
        {
            if (Completion.IsCompleted)
            {
                throw new InvalidOperationException($"Job '{JobName}' has ended ({Completion.Status}): it cannot take a checkpoint.");
            }
            if (_attempt.Coordinator?.TriggerOnDemand() is long id)
            {
                CheckpointRecord record = await stats.WhenEnded(id).WaitAsync(cancellationToken).ConfigureAwait(false);
                if (record.Status != CheckpointStatus.Completed && Completion.IsCompleted)
                {
                    throw new InvalidOperationException($"Job '{JobName}' ended ({Completion.Status}) before checkpoint {id} completed.");
                }
                return record;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false); // one in progress, or restarting
        }
    }

    /// <summary>
    /// Takes a checkpoint, then cancels the job once it completed, so a later start resumes exactly there (Flink's
    /// stop-with-savepoint, as a checkpoint of this job). Two-phase-commit sinks commit it now or, at the latest, when
    /// the job starts again from it. When the checkpoint fails the job keeps running and the exception says why.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the checkpoint (the job keeps running) or for the job to stop.</param>
    /// <returns>The completed checkpoint.</returns>
    /// <exception cref="CheckpointFailureException">The checkpoint did not complete.</exception>
    /// <exception cref="InvalidOperationException">The job takes no checkpoints, or it has ended.</exception>
    public async Task<CheckpointRecord> StopWithCheckpointAsync(CancellationToken cancellationToken = default)
    {
        CheckpointRecord record = await TriggerCheckpointAsync(cancellationToken).ConfigureAwait(false);
        if (record.Status != CheckpointStatus.Completed)
        {
            throw new CheckpointFailureException($"Job '{JobName}' keeps running: checkpoint {record.Id} did not complete "
                + $"({record.FailureCategory}: {record.FailureReason}).");
        }
        Cancel();
        try
        {
            await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Completion.IsCanceled)
        {
            // stopped as asked
        }
        return record;
    }

    /// <summary>Asks every task to stop; <see cref="Completion"/> then ends as cancelled.</summary>
    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job already ended.
        }
        catch (AggregateException ex)
        {
            _logger.LogWarning(ex, "A cancellation callback of job {Job} threw", JobName);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!Completion.IsCompleted)
        {
            Cancel();
        }
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or PipelineExecutionException or CheckpointFailureException)
        {
            // Reported through Completion to whoever awaits it.
        }
    }

    private async Task<JobResult> RunAsync()
    {
        try
        {
            return await RunAttemptsAsync().ConfigureAwait(false);
        }
        finally
        {
            _folder?.Dispose(); // the next run of the job (in this process or another) may take the folder now
        }
    }

    private async Task<JobResult> RunAttemptsAsync()
    {
        Exception? failure;
        try
        {
            while (true)
            {
                ExecutionAttempt attempt = _attempt;
                failure = await attempt.Completion.ConfigureAwait(false);
                if (failure is null || _cancellation.IsCancellationRequested || attempt.Finished)
                {
                    break;
                }
                if (JobConfigurationException.IsIn(failure))
                {
                    _logger.LogError("Job {Job} failed with an error no restart can cure; not restarting", JobName);
                    break;
                }
                if (await RestartAsync(attempt, failure).ConfigureAwait(false) is { } last)
                {
                    failure = last; // no attempt left: the job fails with the last failure
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            failure = null; // cancelled while waiting to restart
        }
        catch (Exception ex)
        {
            failure = ex; // the restore failed: no checkpoint can be read, or it does not fit the job
        }
        JobMetrics.Unregister(this);
        JobProgress progress = GetProgress();
        _cancellation.Dispose();
        if (failure is not null)
        {
            _logger.LogError(failure, "Job {Job} failed after {Elapsed}", JobName, progress.Elapsed);
            ExceptionDispatchInfo.Throw(failure);
        }
        if (!_attempt.Finished)
        {
            _logger.LogInformation("Job {Job} cancelled after {Elapsed}", JobName, progress.Elapsed);
            throw new OperationCanceledException($"Job '{JobName}' was cancelled.", _userToken);
        }
        _logger.LogInformation("Job {Job} finished in {Elapsed}: {Records} source records", JobName, progress.Elapsed, progress.SourceRecords);
        if (_storage is not null && CheckpointConfig is { RetainAfterFinish: false })
        {
            // Finished first, durably: a crash during the discard must not leave an older checkpoint to restore.
            _folder!.MarkFinished();
            int discarded = _storage.DiscardAll();
            _logger.LogInformation("Job {Job} finished: discarded its {Count} checkpoints in {Directory} (set "
                + "CheckpointingOptions.RetainAfterFinish to keep them)", JobName, discarded, _folder.FolderPath);
        }
        return new JobResult(JobName, progress.Elapsed, progress);
    }

    /// <summary>
    /// Chooses the checkpoint to restore (<see cref="CheckpointSelector"/>: the newest valid one of this job, refusing
    /// when that would lose or duplicate committed output) and checks that it fits the job.
    /// </summary>
    private async Task<RestoredCheckpoint?> Restore(bool atStart, JobIdentity? expected, CancellationToken cancellationToken)
    {
        // Chosen before the clean-up: a refusal keeps every file for inspection, and a restore that goes ahead leaves
        // only partial checkpoints newer than the one restored, which no sink committed.
        string? named = atStart ? CheckpointConfig!.RestoreFrom : null;
        RestoredCheckpoint? restored = await _selector!.SelectAsync(expected, _minimumRestoreId, named, LastCommittedBySinks,
            _acceptedCommitted, cancellationToken).ConfigureAwait(false);
        if (named is not null && (expected ?? restored?.Job) is { } run)
        {
            _acceptedCommitted = LastCommittedBySinks(run.JobId); // restarts of this run do not refuse again for it
        }
        _storage!.CleanUpPartial();
        if (restored is not null)
        {
            restored.CheckFits(_plan.Graph, _plan.MaxParallelism, CheckpointConfig!.AllowNonRestoredState, out IReadOnlyList<string> dropped);
            if (dropped.Count > 0)
            {
                _logger.LogWarning("Checkpoint {CheckpointId} holds state the job no longer declares, which is dropped "
                    + "(AllowNonRestoredState): {States}", restored.CheckpointId, string.Join(", ", dropped));
            }
        }
        RestoredCheckpointId = restored?.CheckpointId;
        if (restored is not null)
        {
            _stats?.ReportRestored(restored.CheckpointId, _plan.Options.TimeProvider.GetUtcNow(), atStart, restored.Handles);
        }
        return restored;
    }

    /// <summary>
    /// Starts the next attempt after <paramref name="failed"/> failed, as the restart strategy allows: restores the latest
    /// completed checkpoint and recovers the sinks' transactions. A sink that cannot recover yet (its server is still
    /// down) counts as another failed attempt, so the strategy's delays give the server time to come back. Null once the
    /// next attempt runs; the last failure when the strategy allows no more attempts.
    /// </summary>
    private async Task<Exception?> RestartAsync(ExecutionAttempt failed, Exception failure)
    {
        for (int number = failed.Number; ; number++)
        {
            TimeSpan? delay = _restartStrategy.DelayBeforeAttempt(number);
            if (delay is null)
            {
                return failure;
            }
            _logger.LogWarning(failure, "Job {Job} failed (run {Attempt}); restarting in {Delay} ms from the latest completed checkpoint ({Strategy})",
                JobName, number, delay.Value.TotalMilliseconds, _restartStrategy);
            await Task.Delay(delay.Value, _plan.Options.TimeProvider, _cancellation.Token).ConfigureAwait(false);
            RestoredCheckpoint? restored = null;
            if (_storage is not null)
            {
                try
                {
                    restored = await Restore(atStart: false, _plan.Identity, _cancellation.Token).ConfigureAwait(false);
                    RecoverSinks(restored);
                }
                catch (PipelineExecutionException ex) when (!JobConfigurationException.IsIn(ex))
                {
                    failure = ex;
                    continue;
                }
            }
            _attempt = new ExecutionAttempt(_plan, number + 1, restored, _storage, _stats, FirstCheckpointId(failed), _cancellation.Token);
            return null;
        }
    }

    /// <summary>The newest checkpoint of the run <paramref name="jobId"/> that any transactional sink committed.</summary>
    private long? LastCommittedBySinks(Guid jobId)
    {
        long? newest = null;
        foreach ((string name, object node) in _plan.Builder.Nodes)
        {
            if (node is not ITransactionalSink sink)
            {
                continue;
            }
            long? committed;
            try
            {
                committed = sink.LastCommittedCheckpoint(jobId);
            }
            catch (Exception ex) when (ex is not JobConfigurationException)
            {
                throw new PipelineExecutionException(name, 0, 1, null, "could not tell which checkpoint it committed last", ex);
            }
            if (committed is long id && id > (newest ?? 0))
            {
                newest = id;
            }
        }
        return newest;
    }

    /// <summary>Sources and sinks check their settings before any task starts (<see cref="IStartValidation"/>).</summary>
    private void ValidateNodes(bool resumesFromCheckpoint)
    {
        foreach ((string name, object node) in _plan.Builder.Nodes)
        {
            if (node is IStartValidation validation)
            {
                try
                {
                    validation.ValidateAtStart(resumesFromCheckpoint);
                }
                catch (JobConfigurationException)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    throw new JobConfigurationException($"Node '{name}' of job '{JobName}' cannot start: {ex.Message}", ex);
                }
            }
        }
    }

    /// <summary>
    /// Transactional sinks commit what the restored checkpoint pre-committed (its completion may not have reached
    /// them) and discard the run's later transactions, whose records the sources replay.
    /// </summary>
    private void RecoverSinks(RestoredCheckpoint? restored)
    {
        Guid jobId = _plan.Identity?.JobId ?? Guid.Empty;
        foreach ((string name, object node) in _plan.Builder.Nodes)
        {
            if (node is ITransactionalSink sink)
            {
                try
                {
                    ILogger logger = _plan.Options.LoggerFactory.CreateLogger("DslFlow.Sink." + name);
                    sink.RecoverTransactions(new SinkRecoveryContext(JobName, name, jobId, restored?.CheckpointId, logger));
                }
                catch (JobConfigurationException)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    throw new PipelineExecutionException(name, 0, 1, null,
                        $"failed to recover its transactions for checkpoint {restored?.CheckpointId.ToString() ?? "(none)"}", ex);
                }
            }
        }
    }

    /// <summary>Checkpoint ids keep growing across restarts and runs, so no id is ever reused for other state.</summary>
    private long FirstCheckpointId(ExecutionAttempt? previous)
    {
        long next = previous?.Coordinator?.NextCheckpointId ?? 1;
        if (_storage is not null)
        {
            next = Math.Max(next, _storage.ListCompletedCheckpoints().Concat(_storage.ListPartialCheckpoints()).DefaultIfEmpty(0).Max() + 1);
        }
        return next;
    }
}
