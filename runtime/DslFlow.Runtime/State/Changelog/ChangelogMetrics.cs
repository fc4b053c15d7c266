using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DslFlow.Checkpointing;
using DslFlow.Diagnostics;

namespace DslFlow.State.Changelog;

/// <summary>
/// The changelog instruments on the <c>DslFlow</c> meter (<c>dslflow.changelog.*</c>, after Flink's
/// <c>numCompletedMaterialization</c>, <c>numFailedMaterialization</c>, <c>lastFullSizeOfMaterialization</c>, <c>lastIncSizeOfMaterialization</c> and the
/// DSTL's upload sizes), every measurement tagged with the job.
/// </summary>
internal static class ChangelogMetrics
{
    private static readonly Counter<long> s_logBytes = DslFlowMeter.Meter.CreateCounter<long>("dslflow.changelog.log_bytes", "By",
        "Bytes of state change log files written (pre-emptive writes included).");
    private static readonly Counter<long> s_logFiles = DslFlowMeter.Meter.CreateCounter<long>("dslflow.changelog.log_files", "{file}",
        "State change log files written.");
    private static readonly Counter<long> s_completed = DslFlowMeter.Meter.CreateCounter<long>("dslflow.changelog.materializations.completed",
        "{materialization}", "Materializations written.");
    private static readonly Counter<long> s_failed = DslFlowMeter.Meter.CreateCounter<long>("dslflow.changelog.materializations.failed",
        "{materialization}", "Materializations that failed.");
    private static readonly Histogram<long> s_size = DslFlowMeter.Meter.CreateHistogram<long>("dslflow.changelog.materialization.size", "By",
        "Bytes of each materialization (a subtask's full keyed state).");
    private static readonly Histogram<double> s_duration = DslFlowMeter.Meter.CreateHistogram<double>("dslflow.changelog.materialization.duration",
        "ms", "From a materialization's start to its file being written.");

    public static void RecordLogFile(string job, long bytes)
    {
        var tag = new KeyValuePair<string, object?>("job", job);
        s_logBytes.Add(bytes, tag);
        s_logFiles.Add(1, tag);
    }

    // The last materialization of each live subtask, for the last_* gauges; a subtask's entry goes when its backend closes.
    private static readonly ConcurrentDictionary<(string Job, string Task, int Subtask), (long Full, long Incremental)> s_last = new();

    private static readonly ObservableGauge<long> s_lastFullSize = DslFlowMeter.Meter.CreateObservableGauge("dslflow.changelog.materialization.last_full_size",
        () => Last(sizes => sizes.Full), "By", "Bytes the subtask's last completed materialization references (Flink's lastFullSizeOfMaterialization).");
    private static readonly ObservableGauge<long> s_lastIncrementalSize = DslFlowMeter.Meter.CreateObservableGauge("dslflow.changelog.materialization.last_incremental_size",
        () => Last(sizes => sizes.Incremental), "By", "Bytes the subtask's last completed materialization wrote new (Flink's lastIncSizeOfMaterialization).");

    public static void RecordMaterialization(string job, MaterializationRecord record)
    {
        var jobTag = new KeyValuePair<string, object?>("job", job);
        var taskTag = new KeyValuePair<string, object?>("task", $"{record.TaskName}-{record.SubtaskIndex}");
        if (record.Completed)
        {
            s_completed.Add(1, jobTag, taskTag);
            s_size.Record(record.FullSize, jobTag, taskTag);
            s_duration.Record(record.Duration.TotalMilliseconds, jobTag, taskTag);
            s_last[(job, record.TaskName, record.SubtaskIndex)] = (record.FullSize, record.IncrementalSize);
        }
        else
        {
            s_failed.Add(1, jobTag, taskTag);
        }
    }

    /// <summary>The subtask's backend closed: its last_* gauges stop reporting.</summary>
    public static void Forget(string job, string task, int subtask) => s_last.TryRemove((job, task, subtask), out _);

    private static IEnumerable<Measurement<long>> Last(Func<(long Full, long Incremental), long> figure) =>
        s_last.Select(entry => new Measurement<long>(figure(entry.Value), new KeyValuePair<string, object?>("job", entry.Key.Job),
            new KeyValuePair<string, object?>("task", $"{entry.Key.Task}-{entry.Key.Subtask}")));
}
