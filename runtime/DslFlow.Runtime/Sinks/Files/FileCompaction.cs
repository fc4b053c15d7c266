namespace DslFlow;

/// <summary>
/// Compaction of a <see cref="FileSink{T}"/>'s small part files (Flink's <c>FileSink.enableCompact</c>): committed
/// parts stay hidden until a compaction merges them into one visible file per subtask, after
/// <see cref="EveryCheckpoints"/> completed checkpoints or once they hold <see cref="SizeThreshold"/> bytes, whichever
/// comes first. Output becomes visible later (up to that many checkpoint intervals plus the compaction), in fewer
/// and larger files; exactly-once is kept across failures. Compaction runs on the sink's task thread when a checkpoint
/// completes, so a slow file system backpressures the job, as in Flink.
/// </summary>
public sealed class FileCompaction
{
    /// <summary>Compacts after this many completed checkpoints. Default 1 (every checkpoint).</summary>
    public int EveryCheckpoints { get; init; } = 1;

    /// <summary>Compacts earlier once the hidden committed parts of a subtask hold this many bytes. Default 128 MB.</summary>
    public long SizeThreshold { get; init; } = 128L << 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming the invalid setting and how to fix it.</summary>
    internal void Validate()
    {
        if (FileCompactionRules.EveryCheckpoints(EveryCheckpoints) is { } every)
        {
            throw new ArgumentException(every, nameof(EveryCheckpoints));
        }
        if (FileCompactionRules.SizeThreshold(SizeThreshold) is { } size)
        {
            throw new ArgumentException(size, nameof(SizeThreshold));
        }
    }
}
