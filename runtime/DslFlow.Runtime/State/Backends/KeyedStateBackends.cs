using System.Reflection;
using DslFlow.State.Heap;

namespace DslFlow.State.Backends;

/// <summary>Creates the keyed state backend <see cref="StateBackendOptions"/> selects, for one subtask.</summary>
internal static class KeyedStateBackends
{
    /// <summary>The RocksDB backend's entry point, in its own package so the runtime carries no native library.</summary>
    internal const string RocksDbFactory = "DslFlow.StateBackends.RocksDb.RocksDbBackendFactory, DslFlow.StateBackends.RocksDb";

    /// <param name="options">The job's backend options.</param>
    /// <param name="keyGroups">The subtask's key groups.</param>
    /// <param name="maxParallelism">The job's number of key groups.</param>
    /// <param name="owner">Who the backend belongs to, <c>{job}/{task}-{subtask}</c> (a RocksDB backend's folder; messages).</param>
    /// <param name="logger">Where the backend logs.</param>
    public static IKeyedStateBackend Create(StateBackendOptions options, KeyGroupRange keyGroups, int maxParallelism,
        string owner = "job/task-0", Microsoft.Extensions.Logging.ILogger? logger = null) =>
        options.Kind switch
        {
            StateBackendKind.Heap => new HeapKeyedStateBackend(keyGroups, maxParallelism),
            StateBackendKind.RocksDb => CreateRocksDb(options, keyGroups, maxParallelism, owner, logger),
            _ => throw new ArgumentException($"State backend {options.Kind} is not known to this build."),
        };

    private static IKeyedStateBackend CreateRocksDb(StateBackendOptions options, KeyGroupRange keyGroups, int maxParallelism,
        string owner, Microsoft.Extensions.Logging.ILogger? logger) =>
        (IKeyedStateBackend)InvokeRocksDb("Create", "PipelineOptions.StateBackend.Kind is RocksDb, but the RocksDB state "
            + "backend is not part of this application", options, keyGroups, maxParallelism, owner, logger);

    private static object InvokeRocksDb(string method, string whyNeeded, params object?[] arguments)
    {
        Type factory = Type.GetType(RocksDbFactory, throwOnError: false) ?? throw new JobConfigurationException(
            $"{whyNeeded}: add the DslFlow.StateBackends.RocksDb package (dotnet add package DslFlow.StateBackends.RocksDb), "
            + "or use Kind = Heap.");
        MethodInfo entry = factory.GetMethod(method, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"{RocksDbFactory} has no {method} method: the package does not match this runtime.");
        try
        {
            return entry.Invoke(null, arguments)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }
}
