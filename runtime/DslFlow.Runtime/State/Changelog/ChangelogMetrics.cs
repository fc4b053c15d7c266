using System.Diagnostics.Metrics;
using DslFlow.Diagnostics;

namespace DslFlow.State.Changelog;

/// <summary>
/// The changelog instruments on the <c>DslFlow</c> meter (<c>dslflow.changelog.*</c>, after Flink's
/// <c>numCompletedMaterialization</c>, <c>numFailedMaterialization</c>, <c>lastFullSizeOfMaterialization</c> and the
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

    public static void RecordMaterialization(string job, string task, long? bytes, TimeSpan duration)
    {
        var jobTag = new KeyValuePair<string, object?>("job", job);
        var taskTag = new KeyValuePair<string, object?>("task", task);
        if (bytes is long size)
        {
            s_completed.Add(1, jobTag, taskTag);
            s_size.Record(size, jobTag, taskTag);
            s_duration.Record(duration.TotalMilliseconds, jobTag, taskTag);
        }
        else
        {
            s_failed.Add(1, jobTag, taskTag);
        }
    }
}
