using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.StateBackends.RocksDb;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// A RocksDB error on the task thread fails the record with RocksDB's own message and the state's name (a
/// <see cref="TaskStateException"/>, which fails the task), and leaves no value cached that RocksDB does not hold.
/// </summary>
public sealed class RocksDbTaskThreadFailureTests : IDisposable
{
    private static readonly KeyGroupRange All = new(0, MaxParallelism - 1);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dslflow-rocksdb-failures-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbKeyedStateBackend _backend;

    public RocksDbTaskThreadFailureTests()
    {
        var options = new StateBackendOptions { Kind = StateBackendKind.RocksDb, RocksDb = { LocalDirectory = _folder } };
        _backend = (RocksDbKeyedStateBackend)KeyedStateBackends.Create(options, All, MaxParallelism, "failures/Node-0");
    }

    [Fact]
    public void A_refused_write_names_the_state_and_the_key_reloads_what_RocksDB_holds()
    {
        KeyedState<string, long> counts = _backend.GetOrCreateState(ValueOf<long>("Node.count"));
        KeyedState<string, MapCell<string, int>> maps = _backend.GetOrCreateState(MapOf<string, int>("Node.map"));
        counts.Value("a").Value = 1;
        maps.Map("a")["x"] = 1;
        BreakTheDatabase();

        ValueState<long> a = counts.Value("a");
        var write = Assert.Throws<TaskStateException>(() => a.Value = 2);
        Assert.Contains("RocksDB could not write keyed state 'Node.count' of failures/Node-0", write.Message);
        Assert.IsType<RocksDbSharp.RocksDbException>(write.InnerException);
        Assert.Equal(1, counts.Value("a").Value); // the facade's 2 never reached RocksDB, and is not served from the cache

        var put = Assert.Throws<TaskStateException>(() => maps.Map("a")["x"] = 2);
        Assert.Contains("'Node.map'", put.Message);
        Assert.Equal(1, maps.Map("a")["x"]);
    }

    [Fact]
    public void A_refused_clear_keeps_the_value_RocksDB_holds()
    {
        KeyedState<string, long> counts = _backend.GetOrCreateState(ValueOf<long>("Node.count"));
        counts.Value("b").Value = 7;
        BreakTheDatabase();

        var clear = Assert.Throws<TaskStateException>(() => counts.Value("b").Clear());
        Assert.Contains("RocksDB could not write keyed state 'Node.count'", clear.Message);
        Assert.True(counts.Value("b").HasValue);
        Assert.Equal(7, counts.Value("b").Value);
    }

    [Fact]
    public void A_value_its_serializer_refuses_leaves_the_stored_value_current()
    {
        KeyedState<string, long> counts = _backend.GetOrCreateState(ValueOf("Node.count", new RefusingSerializer()));
        counts.Value("c").Value = 3;

        ValueState<long> c = counts.Value("c");
        Assert.Throws<InvalidOperationException>(() => c.Value = RefusingSerializer.Refused);
        Assert.Equal(3, counts.Value("c").Value); // the next access reloads what RocksDB holds
        counts.Value("c").Value = 4; // and the state goes on
        Assert.Equal(4, counts.Value("c").Value);
    }

    /// <summary>
    /// The database's folder disappears (a wiped disk, an operator's <c>rm</c>): the flush cannot create its SST, RocksDB
    /// records a background error and refuses every write from then on; reads of what it holds still work.
    /// </summary>
    private void BreakTheDatabase()
    {
        Directory.Delete(_backend.Directory, recursive: true);
        var flush = Assert.ThrowsAny<RocksDbSharp.RocksDbException>(_backend.Flush);
        Assert.Contains("IO error", flush.Message);
    }

    public void Dispose()
    {
        _backend.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
