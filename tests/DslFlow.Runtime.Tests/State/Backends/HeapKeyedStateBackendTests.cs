using DslFlow.State.Backends;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>The backend behaviour, for the heap backend with copy-on-write snapshots serialized in the asynchronous part.</summary>
public class HeapKeyedStateBackendTests : KeyedStateBackendTestBase
{
    private protected override IKeyedStateBackend CreateBackend(KeyGroupRange range, int maxParallelism) =>
        KeyedStateBackends.Create(Options, range, maxParallelism);
}
