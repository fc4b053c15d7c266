using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DslFlow.Diagnostics;

namespace DslFlow.Execution;

/// <summary>
/// <c>System.Diagnostics.Metrics</c> instruments of every running job, on the meter <c>DslFlow</c>
/// (read them with dotnet-counters or OpenTelemetry).
/// </summary>
internal static class JobMetrics
{
    /// <summary>The shared meter's name (<see cref="DslFlowMeter.Name"/>); the checkpoint instruments are <see cref="Checkpointing.CheckpointMetrics"/>.</summary>
    public const string MeterName = DslFlowMeter.Name;
    private static readonly ConcurrentDictionary<JobHandle, byte> s_jobs = new();
    private static readonly Meter s_meter = DslFlowMeter.Meter;
    private static readonly Counter<long> s_abandoned = s_meter.CreateCounter<long>("dslflow.task.abandoned", "{subtask}",
        "Subtasks that did not stop within PipelineOptions.TaskCancellationTimeout after cancellation (or whose release hung) "
        + "and were left to their thread.");

    private static readonly Counter<long> s_linesSkipped = s_meter.CreateCounter<long>("dslflow.source.lines_skipped", "{line}",
        "Lines a source skipped as unreadable (FileLineSource.SkipLongLines: longer than MaxLineLength).");

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
        s_meter.CreateObservableGauge("dslflow.task.input_watermark", () => Observe(t => t.InputWatermark), "ms",
            "A task's event time in Unix milliseconds: a source's last watermark, another task's input watermark (the minimum over its active input channels).");
        s_meter.CreateObservableGauge("dslflow.task.watermark_lag", () => Observe(t => WatermarkLag(t)), "ms",
            "How far a task's event time trails processing time (the job's TimeProvider now minus its watermark).");
        s_meter.CreateObservableGauge("dslflow.task.timers_pending", () => Observe(t => t.TimersPendingForMetrics), "{timer}",
            "Timers registered and not yet fired or deleted in a task's keyed node (event and processing time).");
        s_meter.CreateObservableGauge("dslflow.task.late_records_dropped", () => Observe(t => t.LateRecordsDroppedForMetrics), "{record}",
            "Records a task's window node dropped in this run because their windows were already cleaned up (later than the allowed lateness).");
    }

    /// <summary>Processing time minus the task's watermark, once it has one below the end of input's maximum.</summary>
    internal static long? WatermarkLag(StreamTask task) => task.InputWatermark is long watermark and > long.MinValue / 2 and not long.MaxValue
        ? task.Context.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds() - watermark
        : null;

    public static void Register(JobHandle job) => s_jobs[job] = 0;

    /// <summary>Counts a line a source subtask skipped.</summary>
    public static void RecordSkippedLine(string job, string node, int subtask) =>
        s_linesSkipped.Add(1, new KeyValuePair<string, object?>("job", job), new KeyValuePair<string, object?>("node", node),
            new KeyValuePair<string, object?>("subtask", subtask));

    /// <summary>Records a subtask the cancellation watchdog abandoned.</summary>
    public static void RecordAbandoned(string job, string task, int subtask) =>
        s_abandoned.Add(1, new KeyValuePair<string, object?>("job", job), new KeyValuePair<string, object?>("task", task),
            new KeyValuePair<string, object?>("subtask", subtask));

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
