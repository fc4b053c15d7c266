using DslFlow.Messages;
using Microsoft.Extensions.Logging;

namespace DslFlow.Execution;

/// <summary>
/// A subtask the <see cref="TaskCancellationWatchdog"/> gave up on: reported (log and meter), left to its thread, and
/// released if it ever stops. Flink kills the TaskManager at this point; .NET cannot stop a thread (there is no
/// <c>Thread.Abort</c>), so the thread keeps running the stuck user code. It cannot harm the next attempt: every attempt
/// has its own channels and state, and a cancelled task calls its sinks' writers for nothing but <c>Dispose</c> and
/// acknowledges no checkpoint (see <see cref="SinkOutput{T}"/> and <c>StreamTask.Acknowledge</c>). The late
/// <c>Dispose</c> is the sink's to keep harmless (<c>FileSink</c>'s stale writers do not compact); what the stuck call
/// itself does when it returns is beyond the runtime's reach.
/// </summary>
internal static class AbandonedTask
{
    /// <summary>Reports <paramref name="task"/>, lets its thread go, and releases the task when (if) its mailbox ends.</summary>
    public static void Abandon(StreamTask task, DedicatedThreadScheduler thread, int attempt, string job, TimeSpan timeout, ILogger logger)
    {
        TaskContext c = task.Context;
        logger.LogError("Task {Task} (subtask {Subtask} of parallelism {Parallelism}) of job {Job} did not stop within {Timeout} after run {Attempt} "
            + "was cancelled, while {Activity}. It is abandoned and the job goes on without it (PipelineOptions.TaskCancellationTimeout): "
            + ".NET cannot stop its thread '{Thread}' (managed thread id {ThreadId}), which keeps running the stuck user code in the "
            + "background; nothing it does from now on reaches the job's channels, sinks or checkpoints, and its readers and writers are "
            + "released only if it returns. .NET cannot capture another thread's stack from inside the process: take it with "
            + "'dotnet-stack report --process-id {ProcessId}' or a dump ('dotnet-dump collect --process-id {ProcessId}')",
            c.TaskName, c.SubtaskIndex, c.Parallelism, job, timeout, attempt, task.Activity.Current, thread.ThreadName,
            thread.ManagedThreadId, Environment.ProcessId, Environment.ProcessId);
        JobMetrics.RecordAbandoned(job, c.TaskName, c.SubtaskIndex);
        thread.Abandon();
        TimeProvider time = c.Options.TimeProvider;
        long abandonedAt = time.GetTimestamp();
        _ = task.Completion.ContinueWith(completion =>
        {
            _ = completion.Exception; // observed: the run it belonged to is over, whatever it ended with
            try
            {
                task.Release();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Releasing abandoned task {Task} (subtask {Subtask}) failed", c.TaskName, c.SubtaskIndex);
            }
            logger.LogWarning("Task {Task} (subtask {Subtask} of parallelism {Parallelism}) of job {Job}, abandoned in run {Attempt}, stopped at last "
                + "{Elapsed} after it was abandoned; its readers and writers are released now", c.TaskName, c.SubtaskIndex,
                c.Parallelism, job, attempt, time.GetElapsedTime(abandonedAt));
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// Releasing a stopped attempt's readers and writers (their <c>Dispose</c>, user code too) did not end within the
    /// timeout: reported, and left to finish in the background.
    /// </summary>
    public static void ReportRelease(StreamTask? releasing, int attempt, string job, TimeSpan timeout, ILogger logger)
    {
        string what = releasing is null ? "its tasks" : $"task {releasing.Context.TaskName} ({SubtaskNames.Of(releasing.Context.SubtaskIndex, releasing.Context.Parallelism)})";
        logger.LogError("Releasing {What} of run {Attempt} of job {Job} did not end within {Timeout}: a reader's or writer's Dispose hangs, "
            + "or work the user code queued on a task thread does (PipelineOptions.TaskCancellationTimeout). The job goes on without "
            + "waiting for it; the release goes on in the background", what, attempt, job, timeout);
        if (releasing is not null)
        {
            JobMetrics.RecordAbandoned(job, releasing.Context.TaskName, releasing.Context.SubtaskIndex);
        }
    }
}
