using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Pipelines;

public class TransactionalSinkTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task With_checkpoints_a_bounded_job_commits_its_tail_with_a_final_checkpoint(int parallelism)
    {
        AllKindsPipeline.Input = Enumerable.Range(0, 20_000).ToArray();
        AllKindsPipeline.Output = new CollectSink<string>();
        var options = new PipelineOptions { DefaultParallelism = parallelism, BufferSize = 64 };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(5);
        using var directory = new DslFlow.Runtime.Tests.Checkpointing.TempCheckpointDirectory();
        options.Checkpointing.Directory = directory.Path;

        await using JobHandle job = AllKindsPipeline.Start(options);
        await job.Completion;

        Assert.Equal(AllKindsPipeline.Expected(AllKindsPipeline.Input).Order(), AllKindsPipeline.Output.Results.Order());
        Assert.Contains(job.Checkpoints, c => c.Status == CheckpointStatus.Completed);
    }

    [Fact]
    public async Task Records_become_visible_only_when_a_checkpoint_after_them_completes()
    {
        FanInFanOutPipeline.First = new CollectSink<long>();
        FanInFanOutPipeline.Second = new CollectSink<long>();
        var options = new PipelineOptions { DefaultParallelism = 2, BufferSize = 16 };
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only the final checkpoint will complete
        using var directory = new DslFlow.Runtime.Tests.Checkpointing.TempCheckpointDirectory();
        options.Checkpointing.Directory = directory.Path;

        await using JobHandle job = FanInFanOutPipeline.Start(options);
        while (!job.Completion.IsCompleted)
        {
            bool committed = job.Checkpoints.Any(c => c.Status == CheckpointStatus.Completed);
            int visible = FanInFanOutPipeline.First.Results.Count;
            Assert.True(committed || visible == 0, $"{visible} records visible before any checkpoint completed");
            await Task.Delay(1);
        }
        await job.Completion;

        Assert.Equal(2 * (int)FanInFanOutPipeline.Count, FanInFanOutPipeline.First.Results.Count);
        Assert.Equal(FanInFanOutPipeline.First.Results.Order(), FanInFanOutPipeline.Second.Results.Order());
        CheckpointRecord final = Assert.Single(job.Checkpoints, c => c.Status == CheckpointStatus.Completed);
        Assert.Equal(final.Total, final.Acknowledged);
    }
}
