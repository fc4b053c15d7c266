using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Recovery.Changelog;
using DslFlow.Runtime.Tests.Recovery.Committed;

namespace DslFlow.Runtime.Tests.Review;

/// <summary>
/// Issue 15's adversarial pass, job level: the storage fails log-file and materialization writes at seeded moments while
/// the job runs with periodic checkpoints and restarts (source failures too), and the committed output must still be
/// exact — every key counted 1, 2, …, n once — with nothing left in <c>shared/</c> that no retained checkpoint lists.
/// </summary>
public class Review15ChangelogFaultTests
{
    private const long Records = 100_000;

    [Theory]
    [InlineData("changelog-", 1)]
    [InlineData("changelog-", 2)]
    [InlineData("materialization-", 3)]
    public async Task Failing_shared_writes_and_restarts_lose_and_duplicate_nothing(string target, int seed)
    {
        var random = new Random(seed);
        Console.WriteLine($"seed {seed}");
        using var directory = new TempCheckpointDirectory();
        int failures = 0;
        var storage = new LocalCheckpointStorage(Path.Combine(directory.Path, "counter"), retainedCheckpoints: 2)
        {
            FaultInjector = (operation, path) =>
            {
                bool fail;
                lock (random)
                {
                    fail = operation == "shared.write" && path.Contains(target, StringComparison.Ordinal) && failures < 6 && random.Next(4) == 0;
                }
                if (fail)
                {
                    Interlocked.Increment(ref failures);
                    throw new IOException("injected: the disk is full");
                }
            },
        };
        var options = new PipelineOptions { JobName = "counter", RestartStrategy = RestartStrategy.FixedDelay(20, TimeSpan.FromMilliseconds(10)) };
        options.Parallelism["Numbers"] = 1;
        options.Parallelism["Count"] = 3;
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(10);
        options.Checkpointing.Storage = storage;
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.TolerableFailedCheckpoints = 1_000;
        options.Changelog.Enabled = true;
        options.Changelog.MaterializationInterval = TimeSpan.FromMilliseconds(20);
        options.Changelog.PreemptivePersistThreshold = 512;
        options.Changelog.MaxMaterializationFailures = 100;
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records, failAt: Records / 2, failures: 2);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        await using JobHandle job = ChangelogCounterPipeline.Start(options);
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));

        IReadOnlyList<Counted> output = ChangelogCounterPipeline.Output.Results;
        Assert.Equal(Records, output.Count);
        Assert.All(output.GroupBy(c => c.Key), key =>
            Assert.Equal(Enumerable.Range(1, key.Count()).Select(i => (long)i), key.Select(c => c.Count).Order()));
        Console.WriteLine($"{failures} writes failed");
        string shared = Path.Combine(directory.Path, "counter", "shared");
        Assert.Empty(Directory.Exists(shared) ? Directory.EnumerateFiles(shared) : []); // the finished job discarded every file
    }

    [Fact]
    public async Task A_job_cancelled_while_backpressured_at_the_in_flight_cap_restarts_exactly_and_leaves_no_files()
    {
        using var directory = new TempCheckpointDirectory();
        bool slow = true;
        PipelineOptions Options()
        {
            var options = new PipelineOptions { JobName = "counter", RestartStrategy = RestartStrategy.None };
            options.Parallelism["Numbers"] = 1;
            options.Parallelism["Count"] = 2;
            options.Checkpointing.Interval = TimeSpan.FromMilliseconds(10);
            options.Checkpointing.Storage = new LocalCheckpointStorage(Path.Combine(directory.Path, "counter"), retainedCheckpoints: 2)
            {
                FaultInjector = (operation, path) =>
                {
                    if (Volatile.Read(ref slow) && operation == "shared.write" && path.Contains("changelog-", StringComparison.Ordinal))
                    {
                        Thread.Sleep(20); // a slow disk: the log backs up to the cap
                    }
                },
            };
            options.Checkpointing.Directory = directory.Path;
            options.Changelog.Enabled = true;
            options.Changelog.PreemptivePersistThreshold = 256;
            options.Changelog.PersistSizeThreshold = 1024;
            options.Changelog.MaxInFlight = 1024;
            options.Changelog.PersistDelay = TimeSpan.Zero;
            return options;
        }
        ChangelogCounterPipeline.Output = new CollectSink<Counted>(); // one sink for both runs: its commits stay
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records);
        await using (JobHandle first = ChangelogCounterPipeline.Start(Options()))
        {
            // Five slow log files in, the counting subtasks spend their time blocked at the 1 KB cap: cancel then (before
            // the fix, the cancelling thread and a task thread leaving the wait deadlocked on the uploader's lock).
            string logs = Path.Combine(directory.Path, "counter", "shared");
            for (int i = 0; i < 6_000 && (!Directory.Exists(logs) || Directory.EnumerateFiles(logs, "changelog-*").Count() < 5); i++)
            {
                await Task.Delay(10);
            }
            first.Cancel();
            await Assert.ThrowsAnyAsync<Exception>(() => first.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        }
        Volatile.Write(ref slow, false);
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records);
        await using JobHandle second = ChangelogCounterPipeline.Start(Options());
        await second.Completion.WaitAsync(TimeSpan.FromMinutes(2));

        IReadOnlyList<Counted> output = ChangelogCounterPipeline.Output.Results;
        Assert.Equal(Records, output.Count);
        Assert.All(output.GroupBy(c => c.Key), key =>
            Assert.Equal(Enumerable.Range(1, key.Count()).Select(i => (long)i), key.Select(c => c.Count).Order()));
        string shared = Path.Combine(directory.Path, "counter", "shared");
        Assert.Empty(Directory.Exists(shared) ? Directory.EnumerateFiles(shared) : []);
    }
}
