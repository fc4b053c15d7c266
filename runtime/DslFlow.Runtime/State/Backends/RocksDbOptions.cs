namespace DslFlow;

/// <summary>
/// Settings of the RocksDB state backend (<see cref="StateBackendKind.RocksDb"/>), bindable from <c>IConfiguration</c>
/// as <c>StateBackend:RocksDb</c>. Memory follows Flink's <c>state.backend.rocksdb.memory.managed</c>: one block cache
/// per process, shared by every subtask's database, with the write buffers (memtables) charged to it, so the whole
/// backend stays within <see cref="BlockCacheSize"/> however many subtasks run.
/// </summary>
public sealed class RocksDbOptions
{
    /// <summary>
    /// Where the subtasks' databases live (Flink's <c>state.backend.rocksdb.localdir</c>): one folder per job, task and
    /// subtask below it, deleted when the subtask ends; folders a crashed process left behind are deleted at the next
    /// start. Default: <c>dslflow-rocksdb</c> in the system's temporary folder. Use a local disk: the folder holds the
    /// working copy of the state, checkpoints are written to the checkpoint directory.
    /// </summary>
    public string? LocalDirectory { get; set; }

    /// <summary>
    /// The process-wide memory budget of RocksDB in bytes (block cache plus write buffers). Default 256 MiB.
    /// </summary>
    public long BlockCacheSize { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// The share of <see cref="BlockCacheSize"/> write buffers may take (Flink's <c>memory.write-buffer-ratio</c>),
    /// above 0 and below 1. Default 0.5.
    /// </summary>
    public double WriteBufferRatio { get; set; } = 0.5;

    /// <summary>
    /// Whether checkpoints are incremental (Flink's <c>state.backend.incremental</c>): each copies only the SST files
    /// the previous completed checkpoint does not have, and restores open those files directly. Default true. When
    /// false, checkpoints are full snapshots in the format every backend reads — slower to write for large state, but
    /// the way to switch a job from RocksDB to the heap.
    /// </summary>
    public bool IncrementalCheckpoints { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the invalid setting and how to fix it.</summary>
    public void Validate()
    {
        if (BlockCacheSize < 8L * 1024 * 1024)
        {
            throw new ArgumentException($"PipelineOptions.StateBackend.RocksDb.BlockCacheSize is {BlockCacheSize} bytes; "
                + "RocksDB needs at least 8 MiB (8388608). The default is 256 MiB.");
        }
        if (!(WriteBufferRatio > 0 && WriteBufferRatio < 1))
        {
            throw new ArgumentException($"PipelineOptions.StateBackend.RocksDb.WriteBufferRatio is {WriteBufferRatio}; "
                + "it must lie strictly between 0 and 1 (the share of the cache write buffers may use). The default is 0.5.");
        }
        if (LocalDirectory is { Length: 0 })
        {
            throw new ArgumentException("PipelineOptions.StateBackend.RocksDb.LocalDirectory is empty; leave it unset for "
                + "the temporary folder, or name a folder on a local disk.");
        }
    }
}
