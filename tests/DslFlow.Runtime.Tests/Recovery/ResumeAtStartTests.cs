using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Recovery;

/// <summary>A job started again on the same checkpoint directory resumes where its last completed checkpoint says.</summary>
public class ResumeAtStartTests
{
    private const long Records = 30_000;

    [Fact]
    public async Task A_cancelled_job_started_again_resumes_from_its_latest_checkpoint_and_commits_every_record_once()
    {
        using var directory = new TempCheckpointDirectory();
        Prepare();

        await RunThenCancel(Options(directory.Path));
        int committedBefore = ExactlyOncePipeline.Output.Results.Count;
        Assert.InRange(committedBefore, 1, (int)Records - 1);
        long latest = new LocalCheckpointStorage(directory.JobFolder).ListCompletedCheckpoints().Max();
        ExactlyOncePipeline.RecordsPerSecond = 1_000_000;

        await using (JobHandle second = ExactlyOncePipeline.Start(Options(directory.Path)))
        {
            Assert.Equal(latest, second.RestoredCheckpointId);
            Assert.Equal((latest, true), (second.CheckpointStats!.LatestRestored!.CheckpointId, second.CheckpointStats.LatestRestored.AtStart));
            Assert.Equal(1, second.CheckpointStats.Counts.Restored);
            await second.Completion.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(second.Checkpoints.All(c => c.Id > latest), "checkpoint ids continue after the restored one");
        }

        IReadOnlyList<Checked> committed = ExactlyOncePipeline.Output.Results;
        Assert.Equal(Enumerable.Range(0, (int)Records).Select(i => (long)i), committed.Select(c => c.Value).Order());
        foreach (IGrouping<int, Checked> source in committed.GroupBy(c => c.Origin))
        {
            Assert.Equal(Enumerable.Range(1, source.Count()).Select(i => (long)i), source.Select(c => c.Count).Order());
        }
        Assert.Empty(Directory.GetDirectories(directory.JobFolder, "chk-*")); // a finished job discards its checkpoints
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 1)]
    [InlineData(1, 4)]
    public async Task A_keyed_node_restored_with_another_parallelism_gets_its_key_groups_and_continues_exactly(int before, int after)
    {
        using var directory = new TempCheckpointDirectory();
        Prepare();
        PipelineOptions Rescaled(int parallelism)
        {
            PipelineOptions options = Options(directory.Path);
            options.Parallelism["FailingMap"] = parallelism;
            options.Parallelism["Verify"] = parallelism; // its chain: Verify and the sink
            return options;
        }

        await RunThenCancel(Rescaled(before));
        ExactlyOncePipeline.RecordsPerSecond = 1_000_000;
        await using (JobHandle second = ExactlyOncePipeline.Start(Rescaled(after)))
        {
            Assert.NotNull(second.RestoredCheckpointId);
            Assert.Equal(after, second.GetProgress().Tasks.Count(t => t.TaskName.StartsWith("Verify", StringComparison.Ordinal)));
            await second.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }

        // Every record once, and each source's running count (keyed state, moved between subtasks) continues without a gap.
        IReadOnlyList<Checked> committed = ExactlyOncePipeline.Output.Results;
        Assert.Equal(Enumerable.Range(0, (int)Records).Select(i => (long)i), committed.Select(c => c.Value).Order());
        foreach (IGrouping<int, Checked> source in committed.GroupBy(c => c.Origin))
        {
            Assert.Equal(Enumerable.Range(1, source.Count()).Select(i => (long)i), source.Select(c => c.Count).Order());
        }
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 2)]
    [InlineData(1, 4)]
    [InlineData(4, 1)]
    public async Task A_source_restored_with_another_parallelism_reads_each_split_once_and_in_order(int before, int after)
    {
        using var directory = new TempCheckpointDirectory();
        Prepare();
        ExactlyOncePipeline.SourceParallelism = before; // splits keep the first run's shares: origins are computed from them
        PipelineOptions Rescaled(int parallelism)
        {
            PipelineOptions options = Options(directory.Path);
            options.Parallelism["Numbers"] = parallelism;
            return options;
        }

        await RunThenCancel(Rescaled(before));
        Assert.InRange(ExactlyOncePipeline.Output.Results.Count, 1, (int)Records - 1);
        ExactlyOncePipeline.RecordsPerSecond = 1_000_000;
        await using (JobHandle second = ExactlyOncePipeline.Start(Rescaled(after)))
        {
            Assert.NotNull(second.RestoredCheckpointId);
            Assert.Equal(after, second.GetProgress().Tasks.Count(t => t.TaskName.StartsWith("Numbers", StringComparison.Ordinal)));
            await second.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }

        IReadOnlyList<Checked> committed = ExactlyOncePipeline.Output.Results;
        Assert.Equal(Enumerable.Range(0, (int)Records).Select(i => (long)i), committed.Select(c => c.Value).Order());
        Assert.All(committed, c => Assert.True(c.InOrder, $"value {c.Value} of split {c.Origin} came out of order"));
        foreach (IGrouping<int, Checked> source in committed.GroupBy(c => c.Origin))
        {
            Assert.Equal(Enumerable.Range(1, source.Count()).Select(i => (long)i), source.Select(c => c.Count).Order());
        }
    }

    [Fact]
    public async Task StartFresh_ignores_the_checkpoints_in_the_directory()
    {
        using var directory = new TempCheckpointDirectory();
        Prepare();
        await using (JobHandle first = ExactlyOncePipeline.Start(Options(directory.Path)))
        {
            Eventually.True(() => first.Checkpoints.Any(c => c.Status == CheckpointStatus.Completed), "a checkpoint completes");
            first.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Completion);
        }

        ExactlyOncePipeline.Output = new CollectSink<Checked>();
        ExactlyOncePipeline.RecordsPerSecond = 1_000_000;
        PipelineOptions options = Options(directory.Path);
        options.Checkpointing.StartFresh = true;
        await using JobHandle fresh = ExactlyOncePipeline.Start(options);
        Assert.Null(fresh.RestoredCheckpointId);
        await fresh.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(Records, ExactlyOncePipeline.Output.Results.Count); // everything again, from the beginning
    }

    [Fact]
    public async Task RetainAfterFinish_keeps_the_final_checkpoint_and_a_new_run_restores_it_with_nothing_left_to_do()
    {
        using var directory = new TempCheckpointDirectory();
        Prepare();
        PipelineOptions options = Options(directory.Path);
        options.Checkpointing.RetainAfterFinish = true;
        ExactlyOncePipeline.RecordsPerSecond = 1_000_000;
        await using (JobHandle first = ExactlyOncePipeline.Start(options))
        {
            await first.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }
        Assert.NotEmpty(Directory.GetDirectories(directory.JobFolder, "chk-*"));

        await using JobHandle again = ExactlyOncePipeline.Start(options);
        Assert.NotNull(again.RestoredCheckpointId);
        await again.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(Records, ExactlyOncePipeline.Output.Results.Count); // restored at the end of input: nothing replayed
    }

    /// <summary>Runs the pipeline until three checkpoints completed, then cancels it (its checkpoints stay).</summary>
    private static async Task RunThenCancel(PipelineOptions options)
    {
        await using JobHandle first = ExactlyOncePipeline.Start(options);
        Eventually.True(() => first.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed) >= 3, "three checkpoints complete");
        first.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Completion);
    }

    private static void Prepare()
    {
        ExactlyOncePipeline.RecordCount = Records;
        ExactlyOncePipeline.SourceParallelism = 2;
        ExactlyOncePipeline.RecordsPerSecond = 5_000; // the first run lasts long enough to be cancelled
        ExactlyOncePipeline.Failures = new FailureInjector();
        ExactlyOncePipeline.Output = new CollectSink<Checked>();
    }

    private static PipelineOptions Options(string directory)
    {
        var options = new PipelineOptions { DefaultParallelism = 2, BufferSize = 32, RestartStrategy = RestartStrategy.None };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        options.Checkpointing.Directory = directory;
        return options;
    }
}
