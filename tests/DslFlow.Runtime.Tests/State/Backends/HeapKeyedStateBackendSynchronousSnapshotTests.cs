using DslFlow.State.Backends;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>The backend behaviour, for the heap backend serializing in the synchronous part.</summary>
public class HeapKeyedStateBackendSynchronousSnapshotTests : KeyedStateBackendTestBase
{
    private protected override StateBackendOptions Options { get; } = new() { AsynchronousSnapshots = false };

    private protected override IKeyedStateBackend CreateBackend(KeyGroupRange range, int maxParallelism) =>
        KeyedStateBackends.Create(Options, range, maxParallelism);
}
