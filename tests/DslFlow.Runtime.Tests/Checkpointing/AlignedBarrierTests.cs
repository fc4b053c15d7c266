using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Checkpointing;

public class AlignedBarrierTests
{
    [Fact]
    public async Task Aligned_barriers_cut_both_inputs_exactly_where_the_sources_injected_them()
    {
        var job = new FanInJob(new PipelineOptions { BufferSize = 64, ExclusiveCreditsPerChannel = 2, FloatingCreditsPerGate = 2 });
        Eventually.True(() => job.Probe is not null && job.Probe.Processed > 10_000, "both sources flow");
        var sourceA = (ForwardingSourceTask)job.SourceA;
        var sourceB = (ForwardingSourceTask)job.SourceB;

        for (long id = 1; id <= 5; id++)
        {
            Assert.True(sourceA.TriggerCheckpoint(new CheckpointBarrier(id, id)));
            Thread.Sleep(1); // let A's barrier arrive first, so channel A is blocked while B keeps sending
            Assert.True(sourceB.TriggerCheckpoint(new CheckpointBarrier(id, id)));
            long wanted = id;
            Eventually.True(() => job.Probe.Checkpoints.Any(c => c.Id == wanted), $"checkpoint {id} is aligned");
        }

        Assert.Equal([1L, 2L, 3L, 4L, 5L], job.Probe.Checkpoints.Select(c => c.Id));
        foreach ((long id, long fromA, long fromB) in job.Probe.Checkpoints)
        {
            Assert.Equal(sourceA.EmittedAtCheckpoint[id], fromA); // nothing after A's barrier got in, nothing before it is missing
            Assert.Equal(sourceB.EmittedAtCheckpoint[id], fromB);
        }
        await job.Handle.DisposeAsync();
    }

    [Fact]
    public async Task A_newer_checkpoint_abandons_one_whose_barrier_never_arrived_everywhere()
    {
        var job = new FanInJob(new PipelineOptions { BufferSize = 64 });
        Eventually.True(() => job.Probe is not null && job.Probe.Processed > 1_000, "both sources flow");
        var sourceA = (ForwardingSourceTask)job.SourceA;
        var sourceB = (ForwardingSourceTask)job.SourceB;

        sourceA.TriggerCheckpoint(new CheckpointBarrier(1, 0)); // B never sends barrier 1
        Eventually.True(() => job.Probe.Barriers.State is CollectingBarriers, "checkpoint 1 waits for B");
        sourceA.TriggerCheckpoint(new CheckpointBarrier(2, 0));
        sourceB.TriggerCheckpoint(new CheckpointBarrier(2, 0));
        Eventually.True(() => !job.Probe.Checkpoints.IsEmpty, "checkpoint 2 completes");

        Assert.Equal([2L], job.Probe.Checkpoints.Select(c => c.Id));
        (long _, long fromA, long fromB) = job.Probe.Checkpoints.Single();
        Assert.Equal(sourceA.EmittedAtCheckpoint[2], fromA);
        Assert.Equal(sourceB.EmittedAtCheckpoint[2], fromB);
        await job.Handle.DisposeAsync();
    }
    [Fact]
    public async Task An_injected_unaligned_barrier_reaches_the_snapshot_hooks_of_a_job_whose_tasks_cannot_persist_channel_state()
    {
        // Checkpoints are off: the tasks have no channel state, yet barriers a caller injects still travel (whatever their kind).
        var job = new FanInJob(new PipelineOptions { BufferSize = 64 });
        Eventually.True(() => job.Probe is not null && job.Probe.Processed > 1_000, "both sources flow");
        var sourceA = (ForwardingSourceTask)job.SourceA;
        var sourceB = (ForwardingSourceTask)job.SourceB;

        Assert.True(sourceA.TriggerCheckpoint(new CheckpointBarrier(1, 0, CheckpointAlignment.Unaligned)));
        Assert.True(sourceB.TriggerCheckpoint(new CheckpointBarrier(1, 0, CheckpointAlignment.Unaligned)));
        Eventually.True(() => !job.Probe.Checkpoints.IsEmpty, "checkpoint 1 reaches the downstream task", timeoutMs: 10_000);

        (long id, long fromA, long fromB) = job.Probe.Checkpoints.Single();
        Assert.Equal(1, id);
        Assert.Equal(sourceA.EmittedAtCheckpoint[1], fromA); // aligned: it cannot overtake what it cannot persist
        Assert.Equal(sourceB.EmittedAtCheckpoint[1], fromB);
        await job.Handle.DisposeAsync();
    }
}
