using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Checkpointing;

public class PeriodicCheckpointTests
{
    [Fact]
    public async Task Periodic_checkpoints_align_complete_and_notify_every_task_while_the_job_runs()
    {
        var options = new PipelineOptions { BufferSize = 64 };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        using var directory = new TempCheckpointDirectory();
        options.Checkpointing.Directory = directory.Path;
        var job = new FanInJob(options);

        Eventually.True(() => job.Handle.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed) >= 5, "five checkpoints complete");
        Eventually.True(() => job.Probe.Completed.Count >= 5, "the probe hears of five completions");
        await job.Handle.DisposeAsync();

        CheckpointRecord[] completed = job.Handle.Checkpoints.Where(c => c.Status == CheckpointStatus.Completed).ToArray();
        Assert.Equal(completed.Select(c => c.Id).Order(), completed.Select(c => c.Id));
        Assert.All(completed, c => Assert.Equal((3, 3), (c.Acknowledged, c.Total)));
        var sourceA = (ForwardingSourceTask)job.SourceA;
        var sourceB = (ForwardingSourceTask)job.SourceB;
        foreach ((long id, long fromA, long fromB) in job.Probe.Checkpoints.Where(c => completed.Any(k => k.Id == c.Id)))
        {
            Assert.Equal(sourceA.EmittedAtCheckpoint[id], fromA);
            Assert.Equal(sourceB.EmittedAtCheckpoint[id], fromB);
        }
        long[] notified = job.Probe.Completed.ToArray();
        Assert.Equal(notified.Order(), notified);
        Assert.Subset(completed.Select(c => c.Id).ToHashSet(), notified.ToHashSet());
        long latest = completed.Max(c => c.Id);
        Assert.True(File.Exists(System.IO.Path.Combine(directory.JobFolder, $"chk-{latest}", "_metadata")), "the latest completed checkpoint's metadata is stored");
        Assert.Single(Directory.GetDirectories(directory.JobFolder, "chk-*"), d => File.Exists(System.IO.Path.Combine(d, "_metadata"))); // retention 1
    }

    [Fact]
    public async Task Checkpoint_ids_continue_after_those_already_in_the_directory()
    {
        using var directory = new TempCheckpointDirectory();
        for (int run = 0; run < 2; run++)
        {
            AllKindsPipelineRun(directory.Path, out JobHandle job);
            await job.Completion;
            await job.DisposeAsync();
        }
        long[] ids = new DslFlow.Checkpointing.LocalCheckpointStorage(directory.JobFolder).ListCompletedCheckpoints().ToArray();
        Assert.Single(ids);
        Assert.True(ids[0] >= 2, $"the second run's checkpoint {ids[0]} must come after the first run's");
    }

    private static void AllKindsPipelineRun(string directory, out JobHandle job)
    {
        DslFlow.Runtime.Tests.Pipelines.AllKindsPipeline.Input = Enumerable.Range(0, 100).ToArray();
        DslFlow.Runtime.Tests.Pipelines.AllKindsPipeline.Output = new CollectSink<string>();
        var options = new PipelineOptions();
        options.Checkpointing.Interval = TimeSpan.FromHours(1);
        options.Checkpointing.Directory = directory;
        options.Checkpointing.RetainAfterFinish = true;
        job = DslFlow.Runtime.Tests.Pipelines.AllKindsPipeline.Start(options);
    }
}

/// <summary>A fresh checkpoint directory, deleted afterwards.</summary>
internal sealed class TempCheckpointDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("dslflow-chk-").FullName;

    /// <summary>The folder of the one job that ran with this checkpoint directory (<c>{Directory}/{JobName}</c>).</summary>
    public string JobFolder => OnlyJobFolder(Path);

    /// <summary>The folder of the one job that ran with <paramref name="checkpointDirectory"/>.</summary>
    public static string OnlyJobFolder(string checkpointDirectory) => Directory.GetDirectories(checkpointDirectory).Single();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
