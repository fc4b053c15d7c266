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
        PipelineOptions options = Options(directory.Path, parallelism, unaligned, backend, local.Path, changelog);
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

    /// <summary>The window jobs' options: small buffers, checkpoints every 20 ms, quick restarts; the backend as asked.</summary>
    internal static PipelineOptions Options(string directory, int parallelism, bool unaligned,
        StateBackendKind backend = StateBackendKind.Heap, string? localDirectory = null, bool changelog = false)
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
        options.StateBackend.Kind = backend;
        if (localDirectory is not null)
        {
            options.StateBackend.RocksDb.LocalDirectory = localDirectory;
        }
        options.Changelog.Enabled = changelog;
        options.Changelog.MaterializationInterval = TimeSpan.FromMilliseconds(100);
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
        PipelineOptions options = WindowedJobTests.Options(directory.Path, parallelism, unaligned, backend, local.Path, changelog: false);
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

/// <summary>
/// A full-window function with a late-records output through failures: every record is committed exactly once, either
/// in the one window its time belongs to or on the late-records output, and only records that were late go there.
/// </summary>
[Collection(nameof(WindowedJobTests))]
public sealed class LateRecordsJobTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, false, StateBackendKind.Heap, false)]
    [InlineData(4, true, StateBackendKind.RocksDb, false)]
    [InlineData(2, false, StateBackendKind.Heap, true)]
    public async Task Every_record_is_committed_once_in_its_window_or_on_the_late_records_output(int parallelism, bool unaligned,
        StateBackendKind backend, bool changelog)
    {
        int seed = Environment.TickCount & 0xFFFF;
        var random = new Random(seed);
        const long Records = 10_000;
        LateRecordsPipeline.Seed = seed;
        LateRecordsPipeline.RecordCount = Records;
        LateRecordsPipeline.RecordsPerSecond = Records;
        LateRecordsPipeline.Failures = new TimerFailures([Records / 4 + random.Next((int)(Records / 10)), Records * 3 / 5 + random.Next((int)(Records / 10))],
            [40 + random.Next(100)]);
        LateRecordsPipeline.Output = new CollectSink<WindowList>();
        LateRecordsPipeline.LateOutput = new CollectSink<long>();
        using var directory = new TempCheckpointDirectory();
        using var local = new TempCheckpointDirectory();
        PipelineOptions options = WindowedJobTests.Options(directory.Path, parallelism, unaligned, backend, local.Path, changelog);
        JobHandle job = LateRecordsPipeline.Start(options);
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }
        string run = $"seed {seed}; failures injected {LateRecordsPipeline.Failures.Injected}; restarts {job.RestartCount}";
        output.WriteLine(run);
        Assert.True(LateRecordsPipeline.Failures.Injected == 3, "not every failure was injected: " + run);
        Assert.True(job.CheckpointStats!.Restores.Count > 0, "no restore: " + run);
        Assert.True(LateRecordsPipeline.Output.PendingCount == 0 && LateRecordsPipeline.LateOutput.PendingCount == 0, "transactions left pending: " + run);

        IReadOnlyList<WindowList> windows = LateRecordsPipeline.Output.Results;
        var twice = windows.GroupBy(w => (w.Key, w.Start)).Where(g => g.Count() > 1).Select(g => g.Key).Take(3).ToList();
        Assert.True(twice.Count == 0, $"windows committed more than once: {string.Join(", ", twice)}; {run}");
        var seen = new Dictionary<long, string>();
        foreach (WindowList window in windows)
        {
            foreach (long n in window.Elements.Split(',').Select(long.Parse))
            {
                long time = LateRecordsPipeline.EventTime(n);
                Assert.True(LateRecordsPipeline.KeyOf(n) == window.Key && time >= window.Start && time < window.End,
                    $"record {n} (key {LateRecordsPipeline.KeyOf(n)}, time {time}) in window {window.Key} [{window.Start}, {window.End}); {run}");
                Assert.True(seen.TryAdd(n, $"window {window.Key} {window.Start}"), $"record {n} committed twice; {run}");
            }
        }
        IReadOnlyList<long> late = LateRecordsPipeline.LateOutput.Results;
        foreach (long n in late)
        {
            Assert.True(LateRecordsPipeline.IsPlannedLate(n), $"record {n} went to the late output but was on time; {run}");
            Assert.True(seen.TryAdd(n, "late"), $"record {n} committed twice ({seen[n]} and late); {run}");
        }
        var lost = Enumerable.Range(0, (int)Records).Where(n => !seen.ContainsKey(n)).Take(5).ToList();
        Assert.True(lost.Count == 0, $"records lost: {string.Join(", ", lost)}; {run}");
        Assert.NotEmpty(late); // two seconds behind is far past the watermark's few milliseconds of lag
    }
}
