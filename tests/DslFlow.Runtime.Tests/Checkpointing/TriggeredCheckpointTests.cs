using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Hosting;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Checkpointing;

/// <summary>Checkpoints on demand, and stopping a job with a checkpoint it resumes from.</summary>
public class TriggeredCheckpointTests
{
    private static PipelineOptions Options(string directory)
    {
        var options = new PipelineOptions { DefaultParallelism = 2, BufferSize = 64 };
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only the checkpoints the test asks for
        options.Checkpointing.Directory = directory;
        return options;
    }

    [Fact]
    public async Task A_job_stopped_with_a_checkpoint_resumes_from_it_and_commits_every_record_once()
    {
        using var directory = new TempCheckpointDirectory();
        HostedPipeline.Records = 400_000;
        HostedPipeline.RecordsPerSecond = 20_000;
        HostedPipeline.Output = new CollectSink<long>();

        CheckpointRecord stopped;
        await using (JobHandle first = HostedPipeline.Start(Options(directory.Path)))
        {
            Eventually.True(() => first.GetProgress().SourceRecords > 2_000, "the job runs");
            CheckpointRecord triggered = await first.TriggerCheckpointAsync();
            Assert.Equal(CheckpointStatus.Completed, triggered.Status);
            Assert.Equal(1, first.CheckpointStats!.Counts.Completed);

            stopped = await first.StopWithCheckpointAsync();
            Assert.Equal(CheckpointStatus.Completed, stopped.Status);
            Assert.True(stopped.Id > triggered.Id);
            Assert.True(first.Completion.IsCanceled, $"the job ended {first.Completion.Status}");
        }

        HostedPipeline.RecordsPerSecond = null;
        await using (JobHandle second = HostedPipeline.Start(Options(directory.Path)))
        {
            Assert.Equal(stopped.Id, second.RestoredCheckpointId);
            await second.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(Enumerable.Range(0, 400_000).Select(i => 2L * i), HostedPipeline.Output.Results.Order());
    }

    [Fact]
    public async Task Triggering_a_checkpoint_without_checkpointing_says_how_to_turn_it_on()
    {
        HostedPipeline.Records = 1_000;
        HostedPipeline.RecordsPerSecond = null;
        HostedPipeline.Output = new CollectSink<long>();
        await using JobHandle job = HostedPipeline.Start(new PipelineOptions());

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => job.TriggerCheckpointAsync());
        Assert.Contains("takes no checkpoints: set options.Checkpointing.Interval", thrown.Message, StringComparison.Ordinal);
        await job.Completion;
    }

    [Fact]
    public async Task Triggering_a_checkpoint_after_the_job_ended_is_refused()
    {
        using var directory = new TempCheckpointDirectory();
        HostedPipeline.Records = 1_000;
        HostedPipeline.RecordsPerSecond = null;
        HostedPipeline.Output = new CollectSink<long>();
        await using JobHandle job = HostedPipeline.Start(Options(directory.Path));
        await job.Completion;

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => job.TriggerCheckpointAsync());
        Assert.Contains("has ended (RanToCompletion)", thrown.Message, StringComparison.Ordinal);
    }
}
