using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging;

namespace DslFlow.Execution;

/// <summary>
/// One run of a job's tasks, from (re)start to the end of input, a failure or cancellation: its own gates,
/// channels, tasks, threads and checkpoint coordinator. A restart discards the attempt and builds a new one that
/// restores the latest completed checkpoint.
/// </summary>
internal sealed class ExecutionAttempt
{
    private readonly JobPlan _plan;
    private readonly List<DedicatedThreadScheduler> _threads = [];
    private readonly CancellationTokenSource _cancellation;
    private readonly ILogger _logger;
    private Exception? _checkpointFailure;

    /// <summary>Builds and starts the attempt's tasks; its coordinator starts triggering checkpoints.</summary>
    public ExecutionAttempt(JobPlan plan, int number, RestoredCheckpoint? restored, ICheckpointStorage? storage,
        CheckpointStatsTracker? stats, long firstCheckpointId, CancellationToken jobCancellation)
    {
        _plan = plan;
        Number = number;
        _logger = plan.Options.LoggerFactory.CreateLogger("DslFlow.Job");
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(jobCancellation);
        try
        {
            Tasks = JobRunner.Wire(plan, restored, _cancellation.Token);
        }
        catch
        {
            _cancellation.Dispose();
            throw;
        }
        if (plan.Checkpointing is { } checkpointing && storage is not null)
        {
            ILogger checkpointLogger = plan.Options.LoggerFactory.CreateLogger("DslFlow.Checkpoints");
            var participants = new JobCheckpointParticipants(Tasks, storage, plan.Options.TimeProvider, plan.Identity, GraphFingerprint.Of(plan.Graph));
            Coordinator = new CheckpointCoordinator(checkpointing, participants, plan.Options.TimeProvider, checkpointLogger, firstCheckpointId, stats);
            participants.Attach(Coordinator);
            Coordinator.TooManyFailures += reason =>
            {
                _checkpointFailure = new CheckpointFailureException(reason);
                Cancel();
            };
        }
        foreach (StreamTask task in Tasks)
        {
            var thread = new DedicatedThreadScheduler($"DslFlow {task.Context.TaskName} ({task.Context.SubtaskIndex + 1}/{task.Context.Parallelism})");
            _threads.Add(thread);
            task.Start(thread);
        }
        Completion = MonitorAsync();
        Coordinator?.Start();
    }

    /// <summary>1 for the first run, 2 after the first restart, and so on.</summary>
    public int Number { get; }

    /// <summary>The attempt's subtasks.</summary>
    public IReadOnlyList<StreamTask> Tasks { get; }

    /// <summary>The attempt's checkpoint coordinator (null when checkpoints are off).</summary>
    public CheckpointCoordinator? Coordinator { get; }

    /// <summary>
    /// Completes when every task stopped and was released, with the first failure (null when every task finished or
    /// the attempt was cancelled without one).
    /// </summary>
    public Task<Exception?> Completion { get; }

    /// <summary>True when every task reached the end of its input and finished.</summary>
    public bool Finished => Tasks.All(t => t.IsFinished);

    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The attempt already ended.
        }
        catch (AggregateException ex)
        {
            _logger.LogWarning(ex, "A cancellation callback of job {Job} threw", _plan.JobName);
        }
    }

    private async Task<Exception?> MonitorAsync()
    {
        var pending = Tasks.Select(t => t.Completion).ToList();
        Exception? failure = null;
        while (pending.Count > 0)
        {
            Task done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsFaulted && failure is null)
            {
                failure = done.Exception!.InnerExceptions[0];
                Cancel();
            }
        }
        if (Coordinator is not null)
        {
            // Waits for a checkpoint whose metadata is being written: a restore must see whether it completed.
            await Coordinator.DisposeAsync().ConfigureAwait(false);
        }
        await Task.Run(ReleaseAll).ConfigureAwait(false);
        _cancellation.Dispose();
        return failure ?? _checkpointFailure;
    }

    private void ReleaseAll()
    {
        foreach (DedicatedThreadScheduler thread in _threads)
        {
            thread.Dispose();
        }
        foreach (StreamTask task in Tasks)
        {
            try
            {
                task.Release();
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Releasing task {Task} ({Subtask}) failed", task.Context.TaskName, task.Context.SubtaskIndex);
            }
        }
    }
}
