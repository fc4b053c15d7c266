using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using DslFlow.State;
using DslFlow.State.Backends;
using Microsoft.Extensions.Configuration;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>Selecting and configuring the RocksDB backend: binding, validation, its folders and the start-up line.</summary>
public sealed class RocksDbOptionsTests
{
    [Fact]
    public void The_backend_and_its_options_bind_from_configuration()
    {
        var options = new PipelineOptions();
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Job:StateBackend:Kind"] = "RocksDb",
            ["Job:StateBackend:RocksDb:LocalDirectory"] = "/data/dslflow",
            ["Job:StateBackend:RocksDb:BlockCacheSize"] = "1073741824",
            ["Job:StateBackend:RocksDb:WriteBufferRatio"] = "0.25",
        }).Build().GetSection("Job").Bind(options);

        Assert.Equal(StateBackendKind.RocksDb, options.StateBackend.Kind);
        Assert.Equal("/data/dslflow", options.StateBackend.RocksDb.LocalDirectory);
        Assert.Equal(1L << 30, options.StateBackend.RocksDb.BlockCacheSize);
        Assert.Equal(0.25, options.StateBackend.RocksDb.WriteBufferRatio);
        options.Validate();
    }

    [Theory]
    [InlineData(1_000_000, 0.5, "PipelineOptions.StateBackend.RocksDb.BlockCacheSize is 1000000 bytes; RocksDB needs at least 8 MiB")]
    [InlineData(268_435_456, 1.0, "PipelineOptions.StateBackend.RocksDb.WriteBufferRatio is 1; it must lie strictly between 0 and 1")]
    [InlineData(268_435_456, 0.0, "PipelineOptions.StateBackend.RocksDb.WriteBufferRatio is 0; it must lie strictly between 0 and 1")]
    public void Bad_memory_settings_are_refused_with_the_fix(long cache, double ratio, string message)
    {
        var options = new PipelineOptions { StateBackend = { Kind = StateBackendKind.RocksDb, RocksDb = { BlockCacheSize = cache, WriteBufferRatio = ratio } } };
        var thrown = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith(message, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_changelog_may_wrap_the_RocksDB_backend() =>
        new PipelineOptions { StateBackend = { Kind = StateBackendKind.RocksDb }, Changelog = { Enabled = true } }.Validate();

    [Fact]
    public void Opening_deletes_the_folders_of_processes_that_no_longer_run_and_closing_deletes_its_own()
    {
        using var local = new TempCheckpointDirectory();
        string crashed = Path.Combine(local.Path, "job", "Count_0-999999999-0123456789abcdef");
        // An earlier process with this process's pid (a container's app restarted as pid 1 again) left one too.
        string samePid = Path.Combine(local.Path, "job", $"Count_1-{Environment.ProcessId}-0123456789abcdef");
        foreach (string folder in new[] { crashed, samePid })
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "000012.sst"), "left by a crash");
        }
        var options = new StateBackendOptions { Kind = StateBackendKind.RocksDb, RocksDb = { LocalDirectory = local.Path } };

        IKeyedStateBackend backend = KeyedStateBackends.Create(options, new KeyGroupRange(0, 127), 128, "job/Count-0");
        KeyedState<string, long> state = backend.GetOrCreateState(BackendStates.ValueOf<long>("Count.count"));
        state.Value("a").Value = 1;

        Assert.False(Directory.Exists(crashed));
        Assert.False(Directory.Exists(samePid));
        string own = Assert.Single(Directory.GetDirectories(Path.Combine(local.Path, "job")));
        Assert.StartsWith($"Count_0-{Environment.ProcessId}-", Path.GetFileName(own), StringComparison.Ordinal);
        backend.Dispose();
        Assert.False(Directory.Exists(own));
    }

    [Fact]
    public void The_first_database_of_a_budget_logs_the_memory_settings()
    {
        using var local = new TempCheckpointDirectory();
        using var logs = new ListLoggerProvider();
        long cache = (9L << 20) + 12_345; // a budget no other test uses, so this database creates it
        var options = new StateBackendOptions { Kind = StateBackendKind.RocksDb, RocksDb = { LocalDirectory = local.Path, BlockCacheSize = cache } };

        using (IKeyedStateBackend backend = KeyedStateBackends.Create(options, new KeyGroupRange(0, 127), 128, "job/Count-0", logs.CreateLogger("test")))
        {
            Assert.Empty(logs.Lines); // a subtask without keyed state opens no database
            backend.GetOrCreateState(BackendStates.ValueOf<long>("Count.count"));
        }

        string line = Assert.Single(logs.Lines, l => l.Message.StartsWith("RocksDB state backend", StringComparison.Ordinal)).Message;
        Assert.Contains("one block cache of 9 MiB for every subtask of this process, write buffers charged to it up to 4 MiB", line, StringComparison.Ordinal);
        Assert.Contains(local.Path, line, StringComparison.Ordinal);
    }
}
