namespace DslFlow;

/// <summary>Record counts of one subtask.</summary>
/// <param name="TaskName">The chain's name.</param>
/// <param name="SubtaskIndex">The subtask's index.</param>
/// <param name="IsSource">True when the chain's head is a source.</param>
/// <param name="RecordsIn">Records the chain's head consumed.</param>
/// <param name="RecordsOut">Records passed to downstream tasks and chained sinks.</param>
/// <param name="RecordsToSinks">Records written to chained sinks.</param>
/// <param name="Finished">
/// True once the subtask's input ended (a source read everything; a downstream task received the end of every input).
/// With checkpoints, its last records are committed only by the final checkpoint after that, so the subtask may
/// still be <paramref name="WaitingForFinalCheckpoint"/>.
/// </param>
/// <param name="InputBufferSize">Records per buffer its senders use now under buffer debloating; null without it.</param>
/// <param name="EstimatedTimeToConsumeBuffers">Under buffer debloating, how long what is queued at its input takes to consume.</param>
/// <param name="WaitingForFinalCheckpoint">
/// True while the subtask's input has ended but the checkpoint that commits its last records has not completed yet:
/// it still takes part in checkpoints, and ends when one completes.
/// </param>
/// <param name="InputWatermark">
/// The subtask's event time (Unix milliseconds): a source's last watermark, another task's input watermark; null before
/// the first, or in a job without watermarks.
/// </param>
/// <param name="WatermarkLag">Processing time (the job's <see cref="TimeProvider"/>) minus <paramref name="InputWatermark"/>.</param>
/// <param name="TimersPending">Timers registered and not fired or deleted in the subtask's keyed node; null without timers.</param>
/// <param name="LateRecordsDropped">
/// Records the subtask's <c>[Window]</c> node dropped because every window they belong to was already cleaned up (the
/// watermark passed its end plus the allowed lateness); null without a window node.
/// </param>
public sealed record TaskMetrics(string TaskName, int SubtaskIndex, bool IsSource, long RecordsIn, long RecordsOut, long RecordsToSinks, bool Finished,
    int? InputBufferSize = null, TimeSpan? EstimatedTimeToConsumeBuffers = null, bool WaitingForFinalCheckpoint = false,
    long? InputWatermark = null, TimeSpan? WatermarkLag = null, int? TimersPending = null, long? LateRecordsDropped = null);

/// <summary>A job's figures at one moment.</summary>
/// <param name="Elapsed">Time since the job started.</param>
/// <param name="Tasks">Per-subtask figures.</param>
public sealed record JobProgress(TimeSpan Elapsed, IReadOnlyList<TaskMetrics> Tasks)
{
    /// <summary>Records read by every source subtask.</summary>
    public long SourceRecords => Tasks.Where(t => t.IsSource).Sum(t => t.RecordsIn);

    /// <summary>Records written to every sink subtask.</summary>
    public long SinkRecords => Tasks.Sum(t => t.RecordsToSinks);
}

/// <summary>What a job that ran to the end of its input reports.</summary>
/// <param name="JobName">The job's name.</param>
/// <param name="Duration">Time from start to completion.</param>
/// <param name="Progress">The final figures.</param>
public sealed record JobResult(string JobName, TimeSpan Duration, JobProgress Progress);
