using System.Diagnostics.Metrics;
using DslFlow.Diagnostics;

namespace DslFlow.Checkpointing;

/// <summary>
/// The checkpoint instruments on the <c>DslFlow</c> meter (<c>dslflow.checkpoint.*</c>), recorded by
/// <see cref="CheckpointStatsTracker"/> as checkpoints end and subtasks acknowledge; every measurement is tagged with the job.
/// </summary>
internal static class CheckpointMetrics
{
    private static readonly Histogram<double> s_duration = DslFlowMeter.Meter.CreateHistogram<double>("dslflow.checkpoint.duration", "ms",
        "End-to-end duration of completed checkpoints (trigger to completion).");
    private static readonly Histogram<long> s_size = DslFlowMeter.Meter.CreateHistogram<long>("dslflow.checkpoint.size", "By",
        "State size of completed checkpoints.");
    private static readonly Histogram<long> s_fullSize = DslFlowMeter.Meter.CreateHistogram<long>("dslflow.checkpoint.full_size", "By",
        "Bytes of every file a completed checkpoint references, shared files included.");
    private static readonly Histogram<long> s_incrementalSize = DslFlowMeter.Meter.CreateHistogram<long>("dslflow.checkpoint.incremental_size", "By",
        "Bytes of the files a completed checkpoint references that the previous one did not (what it added).");
    private static readonly Counter<long> s_completed = DslFlowMeter.Meter.CreateCounter<long>("dslflow.checkpoint.completed", "{checkpoint}",
        "Completed checkpoints.");
    private static readonly Counter<long> s_failed = DslFlowMeter.Meter.CreateCounter<long>("dslflow.checkpoint.failed", "{checkpoint}",
        "Failed or aborted checkpoints, by category.");
    private static readonly Histogram<double> s_alignment = DslFlowMeter.Meter.CreateHistogram<double>("dslflow.checkpoint.alignment_time", "ms",
        "Per subtask: time from a checkpoint's first barrier to its last.");

    /// <summary>Records a checkpoint that ended.</summary>
    public static void RecordCheckpoint(string job, CheckpointRecord record)
    {
        var jobTag = new KeyValuePair<string, object?>("job", job);
        if (record.Status == CheckpointStatus.Completed)
        {
            s_completed.Add(1, jobTag);
            s_duration.Record(record.Duration?.TotalMilliseconds ?? 0, jobTag);
            s_size.Record(record.StateSize, jobTag);
            s_fullSize.Record(record.FullSize, jobTag);
            s_incrementalSize.Record(record.IncrementalSize, jobTag);
        }
        else
        {
            s_failed.Add(1, jobTag, new KeyValuePair<string, object?>("category", record.FailureCategory?.ToString()));
        }
    }

    /// <summary>Records one subtask's alignment time.</summary>
    public static void RecordAlignment(string job, TimeSpan alignment) =>
        s_alignment.Record(alignment.TotalMilliseconds, new KeyValuePair<string, object?>("job", job));
}
