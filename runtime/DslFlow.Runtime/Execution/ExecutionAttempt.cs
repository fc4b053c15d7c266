using DslFlow.Checkpointing;
using DslFlow.Messages;
using DslFlow.State.Changelog;
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
    private volatile StreamTask? _releasing; // the task ReleaseAll is at, named if the release hangs
    private readonly ChangelogUploader? _changelog; // the attempt's log files, shared by its changelog subtasks

    /// <summary>Builds and starts the attempt's tasks; its coordinator starts triggering checkpoints.</summary>
    public ExecutionAttempt(JobPlan plan, int number, RestoredCheckpoint? restored, ICheckpointStorage? storage,
        CheckpointStatsTracker? stats, long firstCheckpointId, CancellationToken jobCancellation)
    {
        _plan = plan;
        Number = number;
        _logger = plan.Options.LoggerFactory.CreateLogger("DslFlow.Job");
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(jobCancellation);
        CheckpointConfig? checkpointing = storage is null ? null : plan.Checkpointing;
        var responders = checkpointing is null ? null : new AttemptCheckpointResponders();
        ChangelogOptions changelog = plan.Options.Changelog;
        _changelog = checkpointing is null || !changelog.Enabled ? null : new ChangelogUploader(storage!,
            new ChangelogUploadSettings(changelog.PersistDelay, changelog.PersistSizeThreshold, changelog.MaxInFlight),
            plan.Options.TimeProvider, plan.Options.LoggerFactory.CreateLogger("DslFlow.Changelog"), plan.JobName);
        TaskChangelog? taskChangelog = _changelog is null ? null
            : new TaskChangelog(_changelog, stats is null ? _ => { } : stats.ReportMaterialization);
        try
        {
            Tasks = JobRunner.Wire(plan, restored, _cancellation.Token,
                subtask => responders is null ? null : new TaskCheckpointing(checkpointing!.Alignment, responders.For(subtask), storage!)
                {
                    Changelog = taskChangelog,
                });
        }
        catch
        {
            _changelog?.Dispose();
            _cancellation.Dispose();
            throw;
        }
        if (checkpointing is not null)
        {
            ILogger checkpointLogger = plan.Options.LoggerFactory.CreateLogger("DslFlow.Checkpoints");
            var participants = new JobCheckpointParticipants(Tasks, storage!, plan.Options.TimeProvider, plan.Identity, GraphFingerprint.Of(plan.Graph),
                [.. plan.Builder.Nodes.Values.OfType<ISinkCommitter>()]);
            Coordinator = new CheckpointCoordinator(checkpointing, participants, plan.Options.TimeProvider, checkpointLogger, firstCheckpointId, stats);
            participants.Attach(Coordinator);
            responders!.Connect(Coordinator, participants);
            Coordinator.TooManyFailures += reason =>
            {
                _checkpointFailure = new CheckpointFailureException(reason);
                Cancel();
            };
        }
        foreach (StreamTask task in Tasks)
        {
            var thread = new DedicatedThreadScheduler($"DslFlow {task.Context.TaskName} ({SubtaskNames.Of(task.Context.SubtaskIndex, task.Context.Parallelism)})");
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
    /// the attempt was cancelled without one). After a cancellation it waits at most
    /// <see cref="PipelineOptions.TaskCancellationTimeout"/> for the tasks to stop, and as long again for their release:
    /// a task still running then is abandoned (<see cref="AbandonedTask"/>).
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
        var abandoned = new bool[Tasks.Count];
        var watchdog = new TaskCancellationWatchdog(_plan.Options.TaskCancellationTimeout, _plan.Options.TimeProvider, _cancellation.Token);
        while (pending.Count > 0)
        {
            Task done = await Task.WhenAny([.. pending, watchdog.Overdue]).ConfigureAwait(false);
            if (done == watchdog.Overdue)
            {
                // Cancelled, and some tasks did not stop in time: waiting longer could be for ever (user code that ignores
                // cancellation), and it would hold the restart or the stop back with it.
                for (int i = 0; i < Tasks.Count; i++)
                {
                    if (!Tasks[i].Completion.IsCompleted)
                    {
                        abandoned[i] = true;
                        AbandonedTask.Abandon(Tasks[i], _threads[i], Number, _plan.JobName, watchdog.Timeout, _logger);
                    }
                }
                break;
            }
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
        if (!await watchdog.WaitAsync(Task.Run(() => ReleaseAll(abandoned))).ConfigureAwait(false))
        {
            AbandonedTask.ReportRelease(_releasing, Number, _plan.JobName, watchdog.Timeout, _logger);
        }
        watchdog.Dispose(); // before the token it watches goes
        _changelog?.Dispose(); // after the tasks released their logs
        _cancellation.Dispose();
        return failure ?? _checkpointFailure;
    }

    /// <summary>Joins the threads of the tasks that stopped and releases them; abandoned ones release themselves if they stop.</summary>
    private void ReleaseAll(bool[] abandoned)
    {
        for (int i = 0; i < _threads.Count; i++)
        {
            if (!abandoned[i])
            {
                _releasing = Tasks[i];
                _threads[i].Dispose();
            }
        }
        for (int i = 0; i < Tasks.Count; i++)
        {
            if (abandoned[i])
            {
                continue;
            }
            StreamTask task = Tasks[i];
            _releasing = task;
            try
            {
                task.Release();
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Releasing task {Task} ({Subtask}) failed", task.Context.TaskName, task.Context.SubtaskIndex);
            }
        }
        _releasing = null;
    }
}
