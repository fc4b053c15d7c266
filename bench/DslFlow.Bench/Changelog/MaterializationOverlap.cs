using DslFlow.Checkpointing;

namespace DslFlow.Bench.Changelog;

/// <summary>
/// Tells the checkpoints that ran while a materialization was being written from those that did not. On two cores a
/// materialization's walk and write compete with the checkpoint for the CPU and the disk, so the checkpoints outside
/// them show what the changelog's checkpoints cost by themselves (<c>p99_duration_ratio_outside_materialization</c>).
/// </summary>
internal static class MaterializationOverlap
{
    /// <summary>True when [TriggeredAt, EndedAt] of <paramref name="checkpoint"/> meets no materialization's [start, end].</summary>
    public static bool IsOutside(CheckpointRecord checkpoint, IReadOnlyList<MaterializationRecord> materializations) =>
        !materializations.Any(m => checkpoint.TriggeredAt <= m.StartedAt + m.Duration && m.StartedAt <= checkpoint.EndedAt);
}
