using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using DslFlow.Runtime.Tests.Checkpointing;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Time.Jobs;

/// <summary>
/// A keyed event-time timer job through failures and checkpoints: with seeded out-of-order input (within the bound),
/// injected failures while records are processed and while timers fire, parallelism 1 and 4, aligned and unaligned
/// checkpoints, every timer fires exactly once (the committed output equals an in-memory reference over the same
/// input, without duplicates), in time order per key, and never early (the watermark had reached it; no record came late).
/// </summary>
public class TimerJobTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(4, false)]
    [InlineData(1, true)]
    [InlineData(4, true)]
    public Task Every_timer_fires_once_in_order_and_never_early_across_failures(int parallelism, bool unaligned) =>
        RunAndCheck(parallelism, unaligned, StateBackendKind.Heap);

    [Theory]
    [InlineData(4, false)]
    public Task With_RocksDb_state_every_timer_fires_once_in_order_and_never_early_across_failures(int parallelism, bool unaligned) =>
        RunAndCheck(parallelism, unaligned, StateBackendKind.RocksDb);

    [Fact]
    public Task Under_the_changelog_every_timer_fires_once_in_order_and_never_early_across_failures() =>
        RunAndCheck(4, unaligned: false, StateBackendKind.Heap, changelog: true);

    [Fact]
    public async Task Without_failures_or_checkpoints_the_job_equals_the_reference()
    {
        int seed = Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed}");
        Configure(seed, 5_000, new TimerFailures());
        JobResult result = await WindowTimerPipeline.RunAsync(new PipelineOptions { DefaultParallelism = 3 }).WaitAsync(TimeSpan.FromMinutes(1));
        Check(WindowTimerPipeline.Output.Results, 5_000, seed, $"seed {seed}");
        Assert.All(result.Progress.Tasks.Where(t => t.TaskName.StartsWith("Count", StringComparison.Ordinal)),
            t => Assert.Equal(0, t.TimersPending)); // the end of input fired every timer
    }

    private async Task RunAndCheck(int parallelism, bool unaligned, StateBackendKind backend, bool changelog = false)
    {
        int seed = Environment.TickCount & 0xFFFF;
        var random = new Random(seed);
        const long records = 20_000;
        long windows = records * 2 / WindowTimerPipeline.WindowMs * WindowTimerPipeline.Keys; // about one timer per key and window
        var failures = new TimerFailures(
            [records / 5 + random.Next((int)(records / 10)), records * 3 / 5 + random.Next((int)(records / 10))],
            [windows / 3 + random.Next((int)(windows / 5))]);
        Configure(seed, records, failures);
        WindowTimerPipeline.RecordsPerSecond = records; // about a second of input, so checkpoints land in between
        WindowTimerPipeline.SlowEvery = unaligned ? 8 : 0;
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
        options.Checkpointing.StatsHistorySize = 10_000;
        options.StateBackend.Kind = backend;
        options.StateBackend.RocksDb.LocalDirectory = local.Path;
        options.Changelog.Enabled = changelog;
        options.Changelog.MaterializationInterval = TimeSpan.FromMilliseconds(100);
        JobHandle job = WindowTimerPipeline.Start(options);
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }
        string run = $"seed {seed}; failures injected {failures.Injected} of {failures.Planned}; restarts {job.RestartCount}; "
            + $"completed checkpoints {job.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed)}; restored {string.Join(", ", job.CheckpointStats!.Restores.Select(r => r.CheckpointId))}";
        output.WriteLine(run);
        Assert.True(failures.Injected == failures.Planned, "not every failure was injected: " + run);
        Assert.True(job.RestartCount >= 2, "fewer restarts than failures: " + run);
        Assert.True(job.CheckpointStats.Restores.Count > 0, "no restore: " + run);
        Assert.True(WindowTimerPipeline.Output.PendingCount == 0, "transactions left pending: " + run);
        if (unaligned)
        {
            CheckpointStats stats = job.CheckpointStats;
            // Some restore replayed in-flight records (processed before any new watermark: a timer firing early shows below).
            Assert.True(stats.Restores.Any(r => stats.History.FirstOrDefault(c => c.Id == r.CheckpointId)?.PersistedInFlightBytes > 0),
                "no restored checkpoint held in-flight records: " + run);
        }
        Check(WindowTimerPipeline.Output.Results, records, seed, run);
    }

    internal static void Configure(int seed, long records, TimerFailures failures)
    {
        WindowTimerPipeline.Seed = seed;
        WindowTimerPipeline.RecordCount = records;
        WindowTimerPipeline.RecordsPerSecond = null;
        WindowTimerPipeline.SlowEvery = 0;
        WindowTimerPipeline.Failures = failures;
        WindowTimerPipeline.Output = new CollectSink<WindowCount>();
    }

    /// <summary>Exactly once (equal to the reference, no duplicate), never early, in time order per key.</summary>
    internal static void Check(IReadOnlyList<WindowCount> committed, long records, int seed, string run)
    {
        Assert.True(committed.All(c => c.Count >= 0), "a record came after the watermark passed its window (late): "
            + string.Join(", ", committed.Where(c => c.Count < 0).Take(5)) + "; " + run);
        // A sanity check of the firing path; the test of "never early" is the comparison with the reference below: a window
        // fired early would be emitted with part of its count, and again when its other records arrived.
        Assert.True(committed.All(c => c.Watermark >= c.End), "a timer fired before the watermark reached it: "
            + string.Join(", ", committed.Where(c => c.Watermark < c.End).Take(5)) + "; " + run);
        var fired = committed.Select(c => (c.Key, c.End, c.Count)).ToList();
        var duplicates = fired.GroupBy(f => (f.Key, f.End)).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, $"timers fired more than once: {string.Join(", ", duplicates)}; {run}");
        var expected = WindowTimerPipeline.Reference(records, seed).Select(c => (c.Key, c.End, c.Count)).Order().ToList();
        List<(int, long, long)> actual = [.. fired.Order()];
        Assert.True(expected.SequenceEqual(actual), $"{actual.Count} windows committed, {expected.Count} expected; missing: "
            + $"{string.Join(", ", expected.Except(actual).Take(3))}; unexpected: {string.Join(", ", actual.Except(expected).Take(3))}; {run}");
        // Each key's handler compares the timer with the key's last fired one, kept in keyed state through restores.
        Assert.True(committed.All(c => c.InOrder), "a key's timer fired before an earlier one: "
            + string.Join(", ", committed.Where(c => !c.InOrder).Take(5)) + "; " + run);
    }
}

/// <summary>
/// Timers are keyed state: a checkpoint taken with timers pending restores into another parallelism, each timer going
/// to the subtask that owns its key group now, and fires there exactly once.
/// </summary>
public class TimerRescaleTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2, 3, false)]
    [InlineData(4, 2, false)]
    [InlineData(2, 3, true)]
    [InlineData(4, 2, true)]
    public async Task Pending_timers_move_with_their_key_groups_and_fire_once(int before, int after, bool unaligned)
    {
        int seed = Environment.TickCount & 0xFFFF;
        const long records = 20_000;
        TimerJobTests.Configure(seed, records, new TimerFailures());
        WindowTimerPipeline.RecordsPerSecond = records / 2.0 / before; // two seconds of input (the rate is per source subtask)
        WindowTimerPipeline.SlowEvery = unaligned ? 8 : 0;
        using var directory = new TempCheckpointDirectory();
        long restoredId;
        int pendingAtStop;
        await using (JobHandle first = WindowTimerPipeline.Start(Options(directory.Path, before, unaligned)))
        {
            Eventually.True(() => first.GetProgress().SourceRecords >= records / 3, "a third of the input is read", timeoutMs: 60_000);
            CheckpointRecord checkpoint = await first.StopWithCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
            restoredId = checkpoint.Id;
            pendingAtStop = first.GetProgress().Tasks.Sum(t => t.TimersPending ?? 0);
        }
        WindowTimerPipeline.RecordsPerSecond = null;
        WindowTimerPipeline.SlowEvery = 0;
        await using (JobHandle second = WindowTimerPipeline.Start(Options(directory.Path, after, unaligned)))
        {
            Assert.Equal(restoredId, second.RestoredCheckpointId);
            await second.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }
        string run = $"seed {seed}; parallelism {before} -> {after}, {(unaligned ? "unaligned" : "aligned")}; restored checkpoint {restoredId} with {pendingAtStop} timers pending at the stop";
        output.WriteLine(run);
        Assert.True(pendingAtStop > 0, "no timer was pending when the first run stopped: " + run);
        TimerJobTests.Check(WindowTimerPipeline.Output.Results, records, seed, run);
    }

    private static PipelineOptions Options(string directory, int parallelism, bool unaligned)
    {
        var options = new PipelineOptions { DefaultParallelism = parallelism, BufferSize = 16 };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(50);
        options.Checkpointing.Unaligned = unaligned;
        options.Checkpointing.Directory = directory;
        return options;
    }
}

/// <summary>Event time assigned by a node after the source, in its own task: its watermarks drive the timers downstream.</summary>
public class AssignedTimestampTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Watermarks_of_a_node_after_the_source_fire_every_timer_once_across_failures()
    {
        int seed = Environment.TickCount & 0xFFFF;
        const long records = 20_000;
        var random = new Random(seed);
        TimerJobTests.Configure(seed, records, new TimerFailures([records / 3 + random.Next(2_000), records * 2 / 3 + random.Next(2_000)]));
        WindowTimerPipeline.RecordsPerSecond = records;
        StampedTimerPipeline.Output = new CollectSink<WindowCount>();
        using var directory = new TempCheckpointDirectory();
        var options = new PipelineOptions
        {
            DefaultParallelism = 2,
            BufferSize = 16,
            RestartStrategy = RestartStrategy.FixedDelay(10, TimeSpan.FromMilliseconds(10)),
        };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        options.Checkpointing.Directory = directory.Path;
        JobHandle job = StampedTimerPipeline.Start(options);
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }
        string run = $"seed {seed}; failures injected {WindowTimerPipeline.Failures.Injected}; restarts {job.RestartCount}";
        output.WriteLine(run);
        Assert.True(WindowTimerPipeline.Failures.Injected == 2, "not every failure was injected: " + run);
        TimerJobTests.Check(StampedTimerPipeline.Output.Results, records, seed, run);
        // Most windows fired on the node's periodic watermarks, not only at the end of input.
        Assert.True(StampedTimerPipeline.Output.Results.Count(c => c.Watermark < long.MaxValue) > StampedTimerPipeline.Output.Results.Count / 2,
            "the assigning node's watermarks fired few timers before the end of input: " + run);
    }

    [Fact]
    public async Task The_assigning_task_reports_its_own_watermark_and_sends_only_its_own()
    {
        TimerJobTests.Configure(5, 4_000, new TimerFailures());
        StampedTimerPipeline.Output = new CollectSink<WindowCount>();
        JobResult result = await StampedTimerPipeline.RunAsync(new PipelineOptions { DefaultParallelism = 2 }).WaitAsync(TimeSpan.FromMinutes(1));
        TimerJobTests.Check(StampedTimerPipeline.Output.Results, 4_000, 5, "seed 5, no failures");
        Assert.All(result.Progress.Tasks.Where(t => t.TaskName.StartsWith("Stamp", StringComparison.Ordinal)),
            t => Assert.Equal(long.MaxValue, t.InputWatermark)); // the end of input: the maximum, sent after its last record
    }
}

/// <summary>Processing-time timers through a failure and a restore, in a job whose clock the test moves.</summary>
public class ProcessingTimerJobTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Processing_time_timers_restored_after_a_failure_fire_once_with_the_keys_state(bool unaligned)
    {
        const long records = 1_000;
        ProcessingTimerPipeline.Reset(records, failingTimerCalls: 1);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(ProcessingTimerPipeline.Epoch));
        using var directory = new TempCheckpointDirectory();
        var options = new PipelineOptions { DefaultParallelism = 2, TimeProvider = time, RestartStrategy = RestartStrategy.FixedDelay(5, TimeSpan.Zero) };
        options.Checkpointing.Interval = TimeSpan.FromMinutes(1); // on the fake clock: the test moves it
        options.Checkpointing.Timeout = TimeSpan.FromDays(40); // on the fake clock too: a slow checkpoint must not expire
        options.Checkpointing.Unaligned = unaligned;
        options.Checkpointing.Directory = directory.Path;
        ProcessingTimerPipeline.Source.Started.SetResult();
        await using JobHandle job = ProcessingTimerPipeline.Start(options);

        Eventually.True(() => job.GetProgress().Tasks.Where(t => t.TaskName.StartsWith("Count", StringComparison.Ordinal)).Sum(t => t.RecordsIn) == records,
            "every record is counted", timeoutMs: 30_000);
        CheckpointRecord before = await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(CheckpointStatus.Completed, before.Status);
        Assert.Equal(ProcessingTimerPipeline.Keys, job.GetProgress().Tasks.Sum(t => t.TimersPending ?? 0));

        time.Advance(TimeSpan.FromHours(2)); // every timer is due: the first handler call fails, the job restores
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!job.Completion.IsCompleted && DateTime.UtcNow < deadline)
        {
            if (ProcessingTimerPipeline.Output.Results.Count == ProcessingTimerPipeline.Keys)
            {
                ProcessingTimerPipeline.Source.Ended.TrySetResult(); // all fired and committed: let the job end
            }
            time.Advance(TimeSpan.FromMinutes(1)); // periodic checkpoints commit what fired
            await Task.Delay(10);
        }
        await job.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine($"restarts {job.RestartCount}; committed {string.Join(", ", ProcessingTimerPipeline.Output.Results)}");
        Assert.Equal(1, job.RestartCount);
        Assert.Equal(
            Enumerable.Range(0, ProcessingTimerPipeline.Keys).Select(k => (k, ProcessingTimerPipeline.FirstTimer + k * 1_000L, records / ProcessingTimerPipeline.Keys)),
            ProcessingTimerPipeline.Output.Results.Order());
    }
}
