namespace DslFlow;

/// <summary>The guarantee checkpoints give (Flink's <c>execution.checkpointing.mode</c>).</summary>
public enum CheckpointingMode
{
    /// <summary>Barriers are aligned: every record affects state and committed output exactly once.</summary>
    ExactlyOnce,

    /// <summary>Barriers are not aligned: after a failure some records may be processed twice.</summary>
    AtLeastOnce,
}
