using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace DslFlow.Execution;

/// <summary>
/// <c>System.Diagnostics.Metrics</c> instruments of every running job, on the meter <c>DslFlow</c>
/// (read them with dotnet-counters or OpenTelemetry).
/// </summary>
internal static class JobMetrics
{
    public const string MeterName = "DslFlow";
    private static readonly ConcurrentDictionary<JobHandle, byte> s_jobs = new();
    private static readonly Meter s_meter = new(MeterName, "0.1.0");
    private static readonly Histogram<double> s_checkpointDuration = s_meter.CreateHistogram<double>("dslflow.checkpoint.duration", "ms",
        "End-to-end duration of completed checkpoints (trigger to completion).");
    private static readonly Histogram<long> s_checkpointSize = s_meter.CreateHistogram<long>("dslflow.checkpoint.size", "By",
        "State size of completed checkpoints.");
    private static readonly Counter<long> s_checkpointsCompleted = s_meter.CreateCounter<long>("dslflow.checkpoint.completed", "{checkpoint}",
        "Completed checkpoints.");
    private static readonly Counter<long> s_checkpointsFailed = s_meter.CreateCounter<long>("dslflow.checkpoint.failed", "{checkpoint}",
        "Failed or aborted checkpoints, by category.");
    private static readonly Histogram<double> s_alignment = s_meter.CreateHistogram<double>("dslflow.checkpoint.alignment_time", "ms",
        "Per subtask: time from a checkpoint's first barrier to its last.");

    static JobMetrics()
    {
        s_meter.CreateObservableCounter("dslflow.task.records_in", () => Observe(t => t.RecordsIn), "{record}",
            "Records consumed by a task's chain head.");
        s_meter.CreateObservableCounter("dslflow.task.records_out", () => Observe(t => t.RecordsOut), "{record}",
            "Records a task passed downstream or to chained sinks.");
        s_meter.CreateObservableGauge("dslflow.task.debloated_buffer_size",
            () => Observe(t => t.InputBufferSize is int size ? size : null), "{record}",
            "Records per buffer a task's senders use now (buffer debloating on).");
        s_meter.CreateObservableGauge("dslflow.task.estimated_time_to_consume_buffers",
            () => Observe(t => t.EstimatedTimeToConsumeBuffers is { } time ? (long)time.TotalMilliseconds : null), "ms",
            "How long what is queued at a task's input takes to consume at its throughput (buffer debloating on).");
    }

    public static void Register(JobHandle job) => s_jobs[job] = 0;

    /// <summary>Records a checkpoint that ended.</summary>
    public static void RecordCheckpoint(string job, Checkpointing.CheckpointRecord record)
    {
        var jobTag = new KeyValuePair<string, object?>("job", job);
        if (record.Status == Checkpointing.CheckpointStatus.Completed)
        {
            s_checkpointsCompleted.Add(1, jobTag);
            s_checkpointDuration.Record(record.Duration?.TotalMilliseconds ?? 0, jobTag);
            s_checkpointSize.Record(record.StateSize, jobTag);
        }
        else
        {
            s_checkpointsFailed.Add(1, jobTag, new KeyValuePair<string, object?>("category", record.FailureCategory?.ToString()));
        }
    }

    /// <summary>Records one subtask's alignment time.</summary>
    public static void RecordAlignment(string job, TimeSpan alignment) =>
        s_alignment.Record(alignment.TotalMilliseconds, new KeyValuePair<string, object?>("job", job));

    public static void Unregister(JobHandle job) => s_jobs.TryRemove(job, out _);

    private static IEnumerable<Measurement<long>> Observe(Func<StreamTask, long?> figure) =>
        s_jobs.Keys.SelectMany(job => job.Tasks
            .Select(t => (Task: t, Value: figure(t)))
            .Where(m => m.Value is not null)
            .Select(m => new Measurement<long>(m.Value!.Value,
                new KeyValuePair<string, object?>("job", job.JobName),
                new KeyValuePair<string, object?>("task", m.Task.Context.TaskName),
                new KeyValuePair<string, object?>("subtask", m.Task.Context.SubtaskIndex))));
}
