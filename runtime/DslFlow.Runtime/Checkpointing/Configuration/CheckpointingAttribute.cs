namespace DslFlow;

/// <summary>
/// Enables periodic checkpoints for a pipeline (Flink's <c>execution.checkpointing.*</c> options). Attributes take
/// integer milliseconds; <see cref="CheckpointingOptions"/> in <c>PipelineOptions</c> override them at run time.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class CheckpointingAttribute : Attribute
{
    /// <summary>Time between two checkpoint triggers, in milliseconds. Must be greater than 0.</summary>
    public int IntervalMs { get; set; }

    /// <summary>Exactly-once (aligned barriers, the default) or at-least-once.</summary>
    public CheckpointingMode Mode { get; set; } = CheckpointingMode.ExactlyOnce;

    /// <summary>A checkpoint not completed after this many milliseconds is aborted. Default 600000 (10 minutes).</summary>
    public int TimeoutMs { get; set; } = 600_000;

    /// <summary>Minimum pause between the end of one checkpoint and the next trigger. Default 0.</summary>
    public int MinPauseMs { get; set; }

    /// <summary>Checkpoints in progress at once. Default 1.</summary>
    public int MaxConcurrentCheckpoints { get; set; } = 1;

    /// <summary>Consecutive failed checkpoints tolerated before the job fails over. Default 0.</summary>
    public int TolerableFailedCheckpoints { get; set; }

    /// <summary>Completed checkpoints kept in the checkpoint directory. Default 1.</summary>
    public int RetainedCheckpoints { get; set; } = 1;

    /// <summary>Unaligned checkpoints: barriers overtake in-flight data, which is stored with the checkpoint.</summary>
    public bool Unaligned { get; set; }

    /// <summary>
    /// With <see cref="Unaligned"/>: checkpoints start aligned and switch to unaligned after this many milliseconds
    /// from their trigger (0 = always unaligned). -1 (the default) means not set.
    /// </summary>
    public int AlignedTimeoutMs { get; set; } = -1;

    /// <summary>Where checkpoints are stored; default <c>checkpoints</c> under the working directory.</summary>
    public string? Directory { get; set; }
}
