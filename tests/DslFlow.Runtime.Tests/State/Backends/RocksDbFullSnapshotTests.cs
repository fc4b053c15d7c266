using DslFlow.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// A full RocksDB snapshot (non-incremental checkpoints, every changelog materialization) is read key group by key group
/// while its file is written, never held whole: these tests pin what that means for its consumers.
/// </summary>
public sealed class RocksDbFullSnapshotTests : IDisposable
{
    private static readonly KeyGroupRange All = new(0, MaxParallelism - 1);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dslflow-rocksdb-full-" + Guid.NewGuid().ToString("N"));
    private readonly IKeyedStateBackend _backend;
    private readonly KeyedState<string, long> _counts;
    private readonly KeyedState<string, MapCell<string, int>> _maps;

    public RocksDbFullSnapshotTests()
    {
        var options = new StateBackendOptions
        {
            Kind = StateBackendKind.RocksDb,
            RocksDb = { LocalDirectory = _folder, IncrementalCheckpoints = false },
        };
        _backend = KeyedStateBackends.Create(options, All, MaxParallelism, "full/Node-0");
        _counts = _backend.GetOrCreateState(ValueOf<long>("Node.count"));
        _maps = _backend.GetOrCreateState(MapOf<string, int>("Node.map"));
        for (int k = 0; k < 2_000; k++)
        {
            _counts.Value($"k{k}").Value = k;
            MapState<string, int> map = _maps.Map($"k{k}");
            for (int e = 0; e < k % 4; e++)
            {
                map[$"e{e}"] = k * 10 + e;
            }
        }
    }

    [Fact]
    public void Blocks_are_read_as_the_consumer_asks_for_them()
    {
        IReadOnlyList<IKeyedStateSnapshot> frozen = _backend.Snapshot(1);
        try
        {
            using var cancellation = new CancellationTokenSource();
            using IEnumerator<KeyGroupBlock> blocks = frozen[0].Serialize(cancellation.Token).GetEnumerator();
            Assert.True(blocks.MoveNext());
            cancellation.Cancel(); // after the first block: the rest has not been read yet, so it never is
            Assert.ThrowsAny<OperationCanceledException>(() => blocks.MoveNext());
        }
        finally
        {
            Dispose(frozen);
        }
    }

    [Fact]
    public void Every_enumeration_yields_the_frozen_version_whatever_the_task_wrote_since()
    {
        IReadOnlyList<IKeyedStateSnapshot> frozen = _backend.Snapshot(1);
        try
        {
            IReadOnlyList<KeyGroupBlock> counts = Copy(frozen[0].Serialize(CancellationToken.None));
            IReadOnlyList<KeyGroupBlock> maps = Copy(frozen[1].Serialize(CancellationToken.None));
            for (int k = 0; k < 2_000; k += 3)
            {
                _counts.Value($"k{k}").Value = -1;
                _maps.Map($"k{k}").Clear();
                _maps.Map($"new{k}")["x"] = 1;
            }

            // A final snapshot is written into several checkpoints: each enumeration reads the same version again.
            AssertSame(counts, Copy(frozen[0].Serialize(CancellationToken.None)));
            AssertSame(maps, Copy(frozen[1].Serialize(CancellationToken.None)));
            Assert.Equal(2_000, counts.Sum(b => b.Count));
            Assert.Equal(1_500, maps.Sum(b => b.Count)); // one entry per key whose map is not empty (k % 4 != 0)
            Assert.Equal(counts.Select(b => b.KeyGroup).Order(), counts.Select(b => b.KeyGroup)); // increasing key groups
        }
        finally
        {
            Dispose(frozen);
        }
    }

    [Fact]
    public void The_frozen_version_restores_into_the_heap_backend_entry_for_entry()
    {
        TaskStateSnapshot written = Complete(_backend.Snapshot(1), All, parallelism: 1);

        using IKeyedStateBackend heap = KeyedStateBackends.Create(new StateBackendOptions(), All, MaxParallelism, "full/Node-0");
        KeyedState<string, long> counts = heap.GetOrCreateState(ValueOf<long>("Node.count"));
        KeyedState<string, MapCell<string, int>> maps = heap.GetOrCreateState(MapOf<string, int>("Node.map"));
        heap.Restore(RestoredCheckpoint.FromSnapshots(1, [written]));
        Assert.Equal(_counts.Entries(), counts.Entries());
        Assert.Equal(2_000, counts.Count);
        for (int k = 0; k < 2_000; k++)
        {
            Assert.Equal(_maps.Map($"k{k}").Keys.Order(), maps.Map($"k{k}").Keys.Order());
            Assert.All(maps.Map($"k{k}").Keys, e => Assert.Equal(_maps.Map($"k{k}")[e], maps.Map($"k{k}")[e]));
        }
    }

    [Fact]
    public void A_corrupt_file_fails_the_snapshot_and_the_read_instead_of_cutting_them_short()
    {
        var rocksDb = (StateBackends.RocksDb.RocksDbKeyedStateBackend)_backend;
        rocksDb.Flush();
        foreach (string sst in Directory.GetFiles(rocksDb.Directory, "*.sst"))
        {
            using FileStream file = File.OpenWrite(sst);
            file.Write(new byte[file.Length / 2]); // the data blocks; the index and footer at the end stay readable
        }

        IReadOnlyList<IKeyedStateSnapshot> frozen = _backend.Snapshot(1);
        try
        {
            var snapshot = Assert.Throws<TaskStateException>(() => Copy(frozen[0].Serialize(CancellationToken.None)));
            Assert.Contains("RocksDB could not read keyed state 'Node.count' for a checkpoint", snapshot.Message);
            Assert.Contains("Corruption", snapshot.Message);
        }
        finally
        {
            Dispose(frozen);
        }
        string early = Enumerable.Range(0, 2_000).Select(k => $"k{k}").First(k => GroupOf(k) < 8); // in a zeroed block
        var read = Assert.Throws<TaskStateException>(() => _maps.Map(early).Count);
        Assert.Contains("RocksDB could not read keyed state 'Node.map'", read.Message);
    }

    [Fact]
    public void A_disposed_snapshot_refuses_to_be_read()
    {
        IReadOnlyList<IKeyedStateSnapshot> frozen = _backend.Snapshot(1);
        IEnumerable<KeyGroupBlock> pending = frozen[0].Serialize(CancellationToken.None);
        Dispose(frozen);

        Assert.Throws<ObjectDisposedException>(() => frozen[0].Serialize(CancellationToken.None));
        Assert.Throws<ObjectDisposedException>(() => pending.First()); // RocksDB's snapshot is released: nothing is read
    }

    private static void AssertSame(IReadOnlyList<KeyGroupBlock> expected, IReadOnlyList<KeyGroupBlock> actual)
    {
        Assert.Equal(expected.Select(b => (b.KeyGroup, b.Count)), actual.Select(b => (b.KeyGroup, b.Count)));
        Assert.All(expected.Zip(actual), pair => Assert.True(pair.First.First.Span.SequenceEqual(pair.Second.First.Span)));
    }

    private static void Dispose(IReadOnlyList<IKeyedStateSnapshot> frozen)
    {
        foreach (IKeyedStateSnapshot snapshot in frozen)
        {
            snapshot.Dispose();
        }
    }

    public void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
