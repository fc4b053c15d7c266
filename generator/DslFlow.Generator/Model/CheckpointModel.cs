namespace DslFlow.Generator.Model;

/// <summary>
/// A pipeline's <c>[Checkpointing]</c> attribute with the attribute's defaults filled in; emitted as the runtime's
/// <c>CheckpointDeclaration</c>.
/// </summary>
/// <param name="IntervalMs">Interval.</param>
/// <param name="Mode">The runtime's <c>CheckpointingMode</c> value (0 exactly-once, 1 at-least-once).</param>
/// <param name="TimeoutMs">Timeout.</param>
/// <param name="MinPauseMs">Minimum pause.</param>
/// <param name="MaxConcurrentCheckpoints">Concurrent checkpoints.</param>
/// <param name="TolerableFailedCheckpoints">Tolerated failures.</param>
/// <param name="RetainedCheckpoints">Retained checkpoints.</param>
/// <param name="Unaligned">Unaligned checkpoints.</param>
/// <param name="AlignedTimeoutMs">Aligned timeout, -1 when not set.</param>
/// <param name="Directory">Directory, or null for the default.</param>
internal sealed record CheckpointModel(
    int IntervalMs,
    int Mode,
    int TimeoutMs,
    int MinPauseMs,
    int MaxConcurrentCheckpoints,
    int TolerableFailedCheckpoints,
    int RetainedCheckpoints,
    bool Unaligned,
    int AlignedTimeoutMs,
    string? Directory)
{
    public const int ExactlyOnce = 0;

    public bool IsExactlyOnce => Mode == ExactlyOnce;
}
