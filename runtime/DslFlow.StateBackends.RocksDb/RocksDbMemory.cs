using Microsoft.Extensions.Logging;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb;

/// <summary>
/// The process-wide memory of the RocksDB backend (Flink's managed memory for RocksDB): one LRU block cache and one
/// write buffer manager charging memtables to that cache, shared by every subtask's database, so however many subtasks
/// run, RocksDB stays within <see cref="RocksDbOptions.BlockCacheSize"/>. Created by the first database of a given
/// budget; the settings are logged then.
/// </summary>
internal sealed class RocksDbMemory
{
    private static readonly Dictionary<(long, double), RocksDbMemory> Budgets = [];
    private static readonly Lock Gate = new();

    private RocksDbMemory(long cacheSize, double writeBufferRatio)
    {
        CacheSize = cacheSize;
        WriteBufferSize = (long)(cacheSize * writeBufferRatio);
        Cache = Cache.CreateLru((ulong)cacheSize);
        WriteBufferManager = Native.Instance.rocksdb_write_buffer_manager_create_with_cache((nuint)WriteBufferSize, Cache.Handle, 0);
    }

    public long CacheSize { get; }

    public long WriteBufferSize { get; }

    public Cache Cache { get; }

    /// <summary>The native write buffer manager (never freed: it lives as long as the process, like the cache).</summary>
    public IntPtr WriteBufferManager { get; }

    /// <summary>The shared budget for these options (created and logged on first use).</summary>
    public static RocksDbMemory For(RocksDbOptions options, ILogger? logger)
    {
        lock (Gate)
        {
            if (!Budgets.TryGetValue((options.BlockCacheSize, options.WriteBufferRatio), out RocksDbMemory? memory))
            {
                memory = new RocksDbMemory(options.BlockCacheSize, options.WriteBufferRatio);
                Budgets.Add((options.BlockCacheSize, options.WriteBufferRatio), memory);
                logger?.LogInformation("RocksDB state backend: one block cache of {CacheMiB} MiB for every subtask of this "
                    + "process, write buffers charged to it up to {WriteBufferMiB} MiB (StateBackend:RocksDb:BlockCacheSize, "
                    + "WriteBufferRatio); databases under {Directory}", options.BlockCacheSize >> 20, memory.WriteBufferSize >> 20,
                    RocksDbSubtaskDatabase.Root(options));
            }
            return memory;
        }
    }
}
