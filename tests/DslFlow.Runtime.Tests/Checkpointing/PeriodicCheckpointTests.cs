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
    }
}
