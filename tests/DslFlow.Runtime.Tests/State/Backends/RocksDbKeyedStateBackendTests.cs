using DslFlow.State;
using DslFlow.State.Backends;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// The keyed state suite against the RocksDB backend, each test in its own local folder; checkpoints through
/// <c>TaskStates</c> are incremental (native files), direct backend snapshots full.
/// </summary>
public class RocksDbKeyedStateBackendTests : KeyedStateBackendTestBase, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dslflow-rocksdb-tests-" + Guid.NewGuid().ToString("N"));
    private readonly List<IKeyedStateBackend> _backends = [];

    private protected override StateBackendOptions Options { get; }

    public RocksDbKeyedStateBackendTests()
        : this(incremental: true)
    {
    }

    private protected RocksDbKeyedStateBackendTests(bool incremental) =>
        Options = new StateBackendOptions
        {
            Kind = StateBackendKind.RocksDb,
            RocksDb = { LocalDirectory = _folder, IncrementalCheckpoints = incremental },
        };

    private protected override IKeyedStateBackend CreateBackend(KeyGroupRange range, int maxParallelism)
    {
        IKeyedStateBackend backend = KeyedStateBackends.Create(Options, range, maxParallelism, $"suite/Node-{_backends.Count}");
        _backends.Add(backend);
        return backend;
    }

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        foreach (IKeyedStateBackend backend in _backends)
        {
            backend.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>The keyed state suite against RocksDB with full (non-incremental) checkpoints.</summary>
public sealed class RocksDbFullCheckpointKeyedStateBackendTests() : RocksDbKeyedStateBackendTests(incremental: false);
