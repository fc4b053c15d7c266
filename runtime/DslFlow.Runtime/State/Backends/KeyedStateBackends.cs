using DslFlow.State.Heap;

namespace DslFlow.State.Backends;

/// <summary>Creates the keyed state backend <see cref="StateBackendOptions"/> selects, for one subtask.</summary>
internal static class KeyedStateBackends
{
    public static IKeyedStateBackend Create(StateBackendOptions options, KeyGroupRange keyGroups, int maxParallelism) =>
        options.Kind switch
        {
            StateBackendKind.Heap => new HeapKeyedStateBackend(keyGroups, maxParallelism),
            _ => throw new ArgumentException($"State backend {options.Kind} is not known to this build."),
        };
}
