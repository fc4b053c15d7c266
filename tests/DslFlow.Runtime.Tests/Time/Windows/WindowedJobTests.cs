using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using DslFlow.Runtime.Tests.Time.Jobs;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Time.Windows;

/// <summary>
/// Flink's <c>EventTimeWindowCheckpointingITCase</c> for the window logic on keyed state and timers: tumbling, sliding and
/// session counts over out-of-order input, with failures while records are processed and while windows fire, aligned and
/// unaligned, at parallelism 1 and 4, on the heap, RocksDB and the changelog, and rescaled with windows open — every
/// window's count committed exactly once and exactly right.
/// </summary>
[Collection(nameof(WindowedJobTests))] // the pipeline's settings are static
public sealed class WindowedJobTests(ITestOutputHelper output)
{
    public static TheoryData<string, int, bool, StateBackendKind, bool> Runs => new()
    {
        { "tumbling", 1, false, StateBackendKind.Heap, false },
        { "tumbling", 4, true, StateBackendKind.Heap, false },
        { "sliding", 4, false, StateBackendKind.Heap, true },
        { "sliding", 1, true, StateBackendKind.RocksDb, false },
        { "session", 4, false, StateBackendKind.RocksDb, false },
        { "session", 1, true, StateBackendKind.Heap, true },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Every_window_is_committed_once_with_its_whole_count_through_failures(string kind, int parallelism, bool unaligned,
        StateBackendKind backend, bool changelog)
    {
        int seed = Environment.TickCount & 0xFFFF;
        var random = new Random(seed);
        const long Records = 12_000;
        WindowAssigner assigner = Assigner(kind);
        Configure(seed, Records, assigner, new TimerFailures(
            [Records / 5 + random.Next((int)(Records / 10)), Records * 3 / 5 + random.Next((int)(Records / 10))],
            [50 + random.Next(100)]));
        WindowedCountPipeline.RecordsPerSecond = Records; // about a second of input, so checkpoints land in between
        WindowedCountPipeline.SlowEvery = unaligned ? 8 : 0;
        using var directory = new TempCheckpointDirectory();
        using var local = new TempCheckpointDirectory();
        PipelineOptions options = Options(directory.Path, parallelism, unaligned);
        options.StateBackend.Kind = backend;
        options.StateBackend.RocksDb.LocalDirectory = local.Path;
        options.Changelog.Enabled = changelog;
        options.Changelog.MaterializationInterval = TimeSpan.FromMilliseconds(100);
        JobHandle job = WindowedCountPipeline.Start(options);
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }
        TimerFailures failures = WindowedCountPipeline.Failures;
        string run = $"{kind}, seed {seed}; failures injected {failures.Injected} of {failures.Planned}; restarts {job.RestartCount}; "
            + $"restored {string.Join(", ", job.CheckpointStats!.Restores.Select(r => r.CheckpointId))}";
        output.WriteLine(run);
        Assert.True(failures.Injected == failures.Planned, "not every failure was injected: " + run);
        Assert.True(job.CheckpointStats.Restores.Count > 0, "no restore: " + run);
        Check(Records, seed, assigner, run);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(4, 2)]
    public async Task Open_windows_move_with_their_key_groups_when_the_job_is_rescaled(int before, int after)
    {
        int seed = Environment.TickCount & 0xFFFF;
        const long Records = 12_000;
        WindowAssigner assigner = Assigner("sliding");
        Configure(seed, Records, assigner, new TimerFailures());
        WindowedCountPipeline.RecordsPerSecond = Records / 2.0 / before; // two seconds of input (the rate is per source subtask)
        using var directory = new TempCheckpointDirectory();
        long restoredId;
        await using (JobHandle first = WindowedCountPipeline.Start(Options(directory.Path, before, unaligned: false)))
        {
            Eventually.True(() => first.GetProgress().SourceRecords >= Records / 3, "a third of the input is read", timeoutMs: 60_000);
            restoredId = (await first.StopWithCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1))).Id;
        }
        Assert.Contains(WindowedCountPipeline.Output.Results, r => r.End <= 1_000_000 + Records / 3); // some windows fired before
        WindowedCountPipeline.RecordsPerSecond = null;
        await using (JobHandle second = WindowedCountPipeline.Start(Options(directory.Path, after, unaligned: false)))
        {
            Assert.Equal(restoredId, second.RestoredCheckpointId);
            await second.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }
        Check(Records, seed, assigner, $"seed {seed}, {before} → {after}");
    }

    private static WindowAssigner Assigner(string kind) => kind switch
    {
        "tumbling" => WindowAssigner.Tumbling("Count", 100),
        "sliding" => WindowAssigner.Sliding("Count", 100, 25),
        _ => WindowAssigner.Session("Count", 200),
    };

    private static PipelineOptions Options(string directory, int parallelism, bool unaligned)
    {
        var options = new PipelineOptions
        {
            DefaultParallelism = parallelism,
            BufferSize = 16,
            RestartStrategy = RestartStrategy.FixedDelay(10, TimeSpan.FromMilliseconds(10)),
        };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        options.Checkpointing.Unaligned = unaligned;
        options.Checkpointing.Directory = directory;
        return options;
    }

    private static void Configure(int seed, long records, WindowAssigner assigner, TimerFailures failures)
    {
        WindowedCountPipeline.Seed = seed;
        WindowedCountPipeline.RecordCount = records;
        WindowedCountPipeline.RecordsPerSecond = null;
        WindowedCountPipeline.SlowEvery = 0;
        WindowedCountPipeline.Assigner = assigner;
        WindowedCountPipeline.Windows = WindowedCountPipeline.Create(assigner);
        WindowedCountPipeline.Failures = failures;
        WindowedCountPipeline.Output = new CollectSink<WindowResult>();
    }

    /// <summary>Exactly once and exactly right: the committed windows equal the reference, none twice, no record late.</summary>
    private static void Check(long records, int seed, WindowAssigner assigner, string run)
    {
        IReadOnlyList<WindowResult> committed = WindowedCountPipeline.Output.Results;
        Assert.True(WindowedCountPipeline.Output.PendingCount == 0, "transactions left pending: " + run);
        Assert.True(WindowedCountPipeline.Windows.LateRecordsDropped == 0, $"{WindowedCountPipeline.Windows.LateRecordsDropped} records late: {run}");
        var duplicates = committed.GroupBy(c => (c.Key, c.Start, c.End)).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, $"windows committed more than once: {string.Join(", ", duplicates)}; {run}");
        List<WindowResult> expected = [.. WindowedCountPipeline.Reference(records, seed, assigner).OrderBy(r => (r.Key, r.Start, r.End))];
        List<WindowResult> actual = [.. committed.OrderBy(r => (r.Key, r.Start, r.End))];
        Assert.True(expected.SequenceEqual(actual), $"{actual.Count} windows committed, {expected.Count} expected; missing: "
            + $"{string.Join(", ", expected.Except(actual).Take(3))}; unexpected: {string.Join(", ", actual.Except(expected).Take(3))}; {run}");
    }
}

/// <summary>Windows declared with <c>[Window]</c>: generated nodes, through failures and restores, exactly once and exactly right.</summary>
[Collection(nameof(WindowedJobTests))]
public sealed class WindowAttributeJobTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2, false, StateBackendKind.Heap)]
    [InlineData(4, true, StateBackendKind.RocksDb)]
    public async Task Tumbling_sliding_and_session_nodes_commit_every_window_once_through_failures(int parallelism, bool unaligned,
        StateBackendKind backend)
    {
        int seed = Environment.TickCount & 0xFFFF;
        var random = new Random(seed);
        const long Records = 12_000;
        WindowAttributePipeline.Seed = seed;
        WindowAttributePipeline.RecordCount = Records;
        WindowAttributePipeline.RecordsPerSecond = Records;
        WindowAttributePipeline.Failures = new TimerFailures([Records / 4 + random.Next((int)(Records / 10)), Records * 3 / 5 + random.Next((int)(Records / 10))]);
        WindowAttributePipeline.TumblingOutput = new CollectSink<WindowResult>();
        WindowAttributePipeline.SlidingOutput = new CollectSink<WindowResult>();
        WindowAttributePipeline.SessionOutput = new CollectSink<WindowResult>();
        using var directory = new TempCheckpointDirectory();
        using var local = new TempCheckpointDirectory();
        var options = new PipelineOptions
        {
            DefaultParallelism = parallelism,
            BufferSize = 16,
            RestartStrategy = RestartStrategy.FixedDelay(10, TimeSpan.FromMilliseconds(10)),
        };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        options.Checkpointing.Unaligned = unaligned;
        options.Checkpointing.Directory = directory.Path;
        options.StateBackend.Kind = backend;
        options.StateBackend.RocksDb.LocalDirectory = local.Path;
        JobHandle job = WindowAttributePipeline.Start(options);
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }
        string run = $"seed {seed}; failures injected {WindowAttributePipeline.Failures.Injected}; restarts {job.RestartCount}";
        output.WriteLine(run);
        Assert.True(WindowAttributePipeline.Failures.Injected == 2, "not every failure was injected: " + run);
        Assert.True(job.CheckpointStats!.Restores.Count > 0, "no restore: " + run);
        Check(WindowAttributePipeline.TumblingOutput, WindowAssigner.Tumbling("Tumbling", 100), Records, seed, "tumbling; " + run);
        Check(WindowAttributePipeline.SlidingOutput, WindowAssigner.Sliding("Sliding", 100, 25), Records, seed, "sliding; " + run);
        Check(WindowAttributePipeline.SessionOutput, WindowAssigner.Session("Sessions", 200), Records, seed, "sessions; " + run);
    }

    private static void Check(CollectSink<WindowResult> sink, WindowAssigner assigner, long records, int seed, string run)
    {
        Assert.True(sink.PendingCount == 0, "transactions left pending: " + run);
        List<WindowResult> expected = [.. WindowedCountPipeline.Reference(records, seed, assigner, bursts: true).OrderBy(r => (r.Key, r.Start, r.End))];
        List<WindowResult> actual = [.. sink.Results.OrderBy(r => (r.Key, r.Start, r.End))];
        Assert.True(expected.SequenceEqual(actual), $"{actual.Count} windows committed, {expected.Count} expected; missing: "
            + $"{string.Join(", ", expected.Except(actual).Take(3))}; unexpected: {string.Join(", ", actual.Except(expected).Take(3))}; {run}");
    }
}
