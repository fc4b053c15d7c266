using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Rescaling;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Channels;

/// <summary>Buffer debloating in a running job: buffers shrink under backpressure, and nothing is lost or duplicated.</summary>
public class BufferDebloatingTests
{
    [Fact]
    public async Task Under_backpressure_the_slow_task_shrinks_its_input_buffers_and_every_record_is_committed_once()
    {
        using var directory = new TempCheckpointDirectory();
        const int BufferSize = 256;
        RescaleRun.RecordsPerSource = 6_000;
        RescaleRun.RecordsPerSecond = null;
        RescaleRun.Slow = true; // the keyed verifier takes 1 ms per record: its input backs up
        RescaleRun.Sink = new KeyGroupCheckingSink<Seen>(new CollectSink<Seen>(), s => RescaleRun.KeyGroupOf(s.Value), 128);
        var options = new PipelineOptions { DefaultParallelism = 2, BufferSize = BufferSize, RestartStrategy = RestartStrategy.None };
        options.BufferDebloat.Enabled = true;
        options.BufferDebloat.Target = TimeSpan.FromMilliseconds(100);
        options.BufferDebloat.Period = TimeSpan.FromMilliseconds(20);
        options.BufferDebloat.MinBufferSize = 4;
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(100);
        options.Checkpointing.Directory = directory.Path;

        int? smallest = null;
        await using (JobHandle job = RescalePipeline.Start(options))
        {
            Eventually.True(() =>
            {
                smallest = job.GetProgress().Tasks.Where(t => t.TaskName.StartsWith("Verify", StringComparison.Ordinal)).Min(t => t.InputBufferSize);
                return smallest < BufferSize;
            }, "the verifier announces smaller buffers");
            JobProgress progress = job.GetProgress();
            Assert.All(progress.Tasks.Where(t => t.IsSource), t => Assert.Null(t.InputBufferSize)); // sources read no channels
            Assert.Contains(progress.Tasks, t => t.EstimatedTimeToConsumeBuffers is not null);
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }

        Assert.InRange(smallest!.Value, 4, BufferSize - 1);
        IReadOnlyList<Seen> committed = RescaleRun.Sink.Inner.Results;
        Assert.Equal(Enumerable.Range(0, 6_000).Select(i => (long)i), committed.Select(s => s.Value).Order());
        Assert.Equal(0, RescaleRun.Sink.Misplaced);
    }

    [Fact]
    public async Task Without_debloating_buffers_keep_the_configured_size_and_no_size_is_reported()
    {
        RescaleRun.RecordsPerSource = 2_000;
        RescaleRun.RecordsPerSecond = null;
        RescaleRun.Slow = false;
        RescaleRun.Sink = new KeyGroupCheckingSink<Seen>(new CollectSink<Seen>(), s => RescaleRun.KeyGroupOf(s.Value), 128);
        var options = new PipelineOptions { DefaultParallelism = 2, BufferSize = 64 };

        await using JobHandle job = RescalePipeline.Start(options);
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.All(job.GetProgress().Tasks, t => Assert.Null(t.InputBufferSize));
        Assert.Equal(2_000, RescaleRun.Sink.Inner.Results.Count);
    }
}
