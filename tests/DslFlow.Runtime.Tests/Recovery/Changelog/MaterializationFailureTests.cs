using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Recovery.Committed;

namespace DslFlow.Runtime.Tests.Recovery.Changelog;

/// <summary>
/// Failing materializations in a running job (Flink's <c>testFailedMaterialization</c> and the issue's
/// <c>MaxMaterializationFailures + 1</c> case): as many consecutive failures as allowed are tolerated and the job's
/// output stays exact; one more fails the job, naming the setting. The storage fails every materialization file write
/// while failures are left.
/// </summary>
public class MaterializationFailureTests
{
    private const long Records = 4_000;

    private static (JobHandle Job, Func<int> Injected) Start(string directory, int failures)
    {
        int left = failures, injected = 0;
        var storage = new LocalCheckpointStorage(Path.Combine(directory, "counter"))
        {
            FaultInjector = (operation, path) =>
            {
                if (operation == "shared.write" && path.Contains("materialization-", StringComparison.Ordinal)
                    && Interlocked.Decrement(ref left) >= 0)
                {
                    Interlocked.Increment(ref injected);
                    throw new IOException("injected: the disk is full");
                }
            },
        };
        var options = new PipelineOptions { JobName = "counter", RestartStrategy = RestartStrategy.None };
        options.Parallelism["Numbers"] = 1;
        options.Parallelism["Count"] = 2;
        options.Checkpointing.Interval = TimeSpan.FromHours(1);
        options.Checkpointing.Storage = storage;
        options.Checkpointing.Directory = directory; // the statistics file goes beside the storage's checkpoints
        options.Changelog.Enabled = true;
        options.Changelog.MaterializationInterval = TimeSpan.FromMilliseconds(1);
        options.Changelog.MaxMaterializationFailures = 1;
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records / 2);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        return (ChangelogCounterPipeline.Start(options), () => Volatile.Read(ref injected));
    }

    [Fact]
    public async Task As_many_consecutive_failures_as_allowed_are_tolerated_and_the_output_stays_exact()
    {
        using var directory = new TempCheckpointDirectory();
        (JobHandle job, Func<int> injected) = Start(directory.Path, failures: 1);
        await using (job)
        {
            await ChangelogCounterPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
            for (int i = 0; i < 200 && injected() < 1; i++)
            {
                Assert.Equal(CheckpointStatus.Completed, (await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1))).Status);
            }
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(CheckpointStatus.Completed, (await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1))).Status);
            }
            ChangelogCounterPipeline.Input.Resume();
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
            CheckpointStats stats = job.CheckpointStats!;
            Assert.Equal(1, stats.FailedMaterializations);
            MaterializationRecord failed = Assert.Single(stats.Materializations, m => !m.Completed);
            Assert.Equal("IOException: injected: the disk is full", failed.FailureReason);
            Assert.Equal(0, failed.FullSize);
            Assert.True(stats.CompletedMaterializations >= 1);
            Assert.All(stats.Materializations.Where(m => m.Completed), m =>
            {
                Assert.True(m.FullSize > 0 && m.IncrementalSize == m.FullSize, $"{m}");
                Assert.StartsWith("Count", m.TaskName, StringComparison.Ordinal);
                Assert.InRange(m.SubtaskIndex, 0, 1);
            });
            string json = await File.ReadAllTextAsync(Path.Combine(directory.Path, "counter", CheckpointStatsTracker.FileName));
            Assert.Contains("\"FailureReason\": \"IOException: injected: the disk is full\"", json);
            Assert.Contains($"\"FailedMaterializations\": 1", json);
        }

        Assert.Equal(1, injected());
        IReadOnlyList<Counted> output = ChangelogCounterPipeline.Output.Results;
        Assert.Equal(Records, output.Count);
        Assert.All(output.GroupBy(c => c.Key), key => Assert.Equal(Enumerable.Range(1, key.Count()).Select(i => (long)i), key.Select(c => c.Count)));
    }

    [Fact]
    public async Task One_more_consecutive_failure_than_allowed_fails_the_job_naming_the_setting()
    {
        using var directory = new TempCheckpointDirectory();
        (JobHandle job, Func<int> injected) = Start(directory.Path, failures: 1_000);
        await using (job)
        {
            await ChangelogCounterPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
            for (int i = 0; i < 200 && !job.Completion.IsCompleted; i++)
            {
                try
                {
                    await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
                }
                catch (Exception) when (job.Completion.IsCompleted)
                {
                    // the failing task took the job down while this checkpoint was under way
                }
            }

            Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains("materializations of Count+Out-", failure.ToString()); // the chain Count+Out, subtask 0 or 1
            Assert.Contains("failed in a row, more than the 1", failure.ToString());
            Assert.Contains("MaxMaterializationFailures", failure.ToString());
        }
        Assert.True(injected() >= 2, $"{injected()} failures injected");
    }
}
