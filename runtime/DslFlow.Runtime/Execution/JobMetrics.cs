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

    static JobMetrics()
    {
        s_meter.CreateObservableCounter("dslflow.task.records_in", () => Observe(t => t.RecordsIn), "{record}",
            "Records consumed by a task's chain head.");
        s_meter.CreateObservableCounter("dslflow.task.records_out", () => Observe(t => t.RecordsOut), "{record}",
            "Records a task passed downstream or to chained sinks.");
    }

    public static void Register(JobHandle job) => s_jobs[job] = 0;

    public static void Unregister(JobHandle job) => s_jobs.TryRemove(job, out _);

    private static IEnumerable<Measurement<long>> Observe(Func<StreamTask, long> figure) =>
        s_jobs.Keys.SelectMany(job => job.Tasks.Select(t => new Measurement<long>(figure(t),
            new KeyValuePair<string, object?>("job", job.JobName),
            new KeyValuePair<string, object?>("task", t.Context.TaskName),
            new KeyValuePair<string, object?>("subtask", t.Context.SubtaskIndex))));
}
