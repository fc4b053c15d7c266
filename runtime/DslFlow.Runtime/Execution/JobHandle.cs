using System.Diagnostics;
using System.Runtime.ExceptionServices;
using DslFlow.Execution;
using Microsoft.Extensions.Logging;

namespace DslFlow;

/// <summary>
/// A running job: its completion, live figures, cancellation, and the source and sink instances its factory
/// methods returned. Disposing it cancels the job and waits for every task to stop.
/// </summary>
public sealed class JobHandle : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, object> _nodes;
    private readonly List<StreamTask> _tasks;
    private readonly List<DedicatedThreadScheduler> _threads = [];
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _userToken;
    private readonly ILogger _logger;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Checkpointing.CheckpointCoordinator? _coordinator;
    private Exception? _checkpointFailure;

    internal JobHandle(JobGraph graph, PipelineOptions options, IReadOnlyDictionary<string, object> nodes, List<StreamTask> tasks,
        CancellationTokenSource cancellation, CancellationToken userToken, CheckpointConfig? checkpointing)
    {
        CheckpointConfig = checkpointing;
        Graph = graph;
        JobName = options.JobName ?? graph.Name;
        _nodes = nodes;
        _tasks = tasks;
        _cancellation = cancellation;
        _userToken = userToken;
        _logger = options.LoggerFactory.CreateLogger("DslFlow.Job");
        _logger.LogInformation("Job {Job} starting {Subtasks} subtasks in {Tasks} tasks", JobName, tasks.Count, graph.Chains.Count);
        JobMetrics.Register(this);
        if (checkpointing is not null)
        {
            ILogger checkpointLogger = options.LoggerFactory.CreateLogger("DslFlow.Checkpoints");
            var storage = new Checkpointing.LocalCheckpointStorage(checkpointing.Directory, checkpointing.RetainedCheckpoints, checkpointLogger);
            storage.CleanUpPartial();
            long firstId = storage.ListCompletedCheckpoints().DefaultIfEmpty(0).Max() + 1; // ids keep growing across runs
            var participants = new Checkpointing.JobCheckpointParticipants(tasks, storage, options.TimeProvider);
            _coordinator = new Checkpointing.CheckpointCoordinator(checkpointing, participants, options.TimeProvider, checkpointLogger, firstId);
            participants.Attach(_coordinator);
            _coordinator.TooManyFailures += reason =>
            {
                _checkpointFailure = new CheckpointFailureException(reason);
                Cancel();
            };
        }
        foreach (StreamTask task in tasks)
        {
            var thread = new DedicatedThreadScheduler($"DslFlow {task.Context.TaskName} ({task.Context.SubtaskIndex + 1}/{task.Context.Parallelism})");
            _threads.Add(thread);
            task.Start(thread);
        }
        Completion = MonitorAsync();
        _coordinator?.Start();
    }

    /// <summary>The checkpoint settings the job runs with, or null when checkpoints are off.</summary>
    public CheckpointConfig? CheckpointConfig { get; }

    /// <summary>Every checkpoint so far (empty when checkpoints are off), oldest first.</summary>
    public IReadOnlyList<Checkpointing.CheckpointRecord> Checkpoints => _coordinator?.History ?? [];

    /// <summary>The job's name.</summary>
    public string JobName { get; }

    /// <summary>The job graph.</summary>
    public JobGraph Graph { get; }

    /// <summary>
    /// Completes with the result when every task reached the end of its input; faults with a
    /// <see cref="PipelineExecutionException"/> when a task failed; is cancelled when the job was cancelled.
    /// </summary>
    public Task<JobResult> Completion { get; }

    internal IReadOnlyList<StreamTask> Tasks => _tasks;

    /// <summary>The instance a node's factory method returned (for example a <see cref="CollectSink{T}"/>).</summary>
    public T GetNode<T>(string nodeName)
        where T : class
    {
        if (!_nodes.TryGetValue(nodeName, out object? node))
        {
            throw new ArgumentException($"Job '{JobName}' has no source or sink named '{nodeName}'. Known: {string.Join(", ", _nodes.Keys)}.", nameof(nodeName));
        }
        return node as T ?? throw new ArgumentException($"Node '{nodeName}' is a {node.GetType().Name}, not a {typeof(T).Name}.", nameof(nodeName));
    }

    /// <summary>Figures of every subtask now.</summary>
    public JobProgress GetProgress() => new(_clock.Elapsed, _tasks.Select(t => new TaskMetrics(
        t.Context.TaskName, t.Context.SubtaskIndex, t is ISourceTask, t.RecordsIn, t.RecordsOut, t.RecordsToSinks, t.IsFinished)).ToList());

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
        catch (Exception ex) when (ex is OperationCanceledException or PipelineExecutionException)
        {
            // Reported through Completion to whoever awaits it.
        }
    }

    private async Task<JobResult> MonitorAsync()
    {
        var pending = _tasks.Select(t => t.Completion).ToList();
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
        if (_coordinator is not null)
        {
            await _coordinator.DisposeAsync().ConfigureAwait(false);
        }
        await Task.Run(ReleaseAll).ConfigureAwait(false);
        failure ??= _checkpointFailure;
        JobMetrics.Unregister(this);
        JobProgress progress = GetProgress();
        _cancellation.Dispose();
        if (failure is not null)
        {
            _logger.LogError(failure, "Job {Job} failed after {Elapsed}", JobName, progress.Elapsed);
            ExceptionDispatchInfo.Throw(failure);
        }
        if (_tasks.Any(t => !t.IsFinished))
        {
            _logger.LogInformation("Job {Job} cancelled after {Elapsed}", JobName, progress.Elapsed);
            throw new OperationCanceledException($"Job '{JobName}' was cancelled.", _userToken);
        }
        _logger.LogInformation("Job {Job} finished in {Elapsed}: {Records} source records", JobName, progress.Elapsed, progress.SourceRecords);
        return new JobResult(JobName, progress.Elapsed, progress);
    }

    private void ReleaseAll()
    {
        foreach (DedicatedThreadScheduler thread in _threads)
        {
            thread.Dispose();
        }
        foreach (StreamTask task in _tasks)
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
