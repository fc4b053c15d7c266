using DslFlow.State;
using DslFlow.State.Backends;
using Microsoft.Extensions.Logging;

namespace DslFlow.StateBackends.RocksDb;

/// <summary>
/// The entry point the runtime finds by name when <see cref="StateBackendOptions.Kind"/> is
/// <see cref="StateBackendKind.RocksDb"/> (<c>KeyedStateBackends.RocksDbFactory</c>), so the runtime needs no reference
/// to this package or its native library.
/// </summary>
internal static class RocksDbBackendFactory
{
    /// <summary>Opens a new database for one subtask and returns its backend.</summary>
    public static IKeyedStateBackend Create(StateBackendOptions options, KeyGroupRange keyGroups, int maxParallelism, string owner,
        ILogger? logger) =>
        new RocksDbKeyedStateBackend(() => RocksDbSubtaskDatabase.Open(options.RocksDb, owner, logger), keyGroups, maxParallelism,
            options.RocksDb.IncrementalCheckpoints);
}
