using DslFlow.Channels;
using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Channels;

/// <summary>
/// The gate's part of the aligned timeout, on the test thread: the first queued barrier of each checkpoint is
/// announced once, and a promoted barrier — queued, in a sender's backlog, or sent later — overtakes the buffers before
/// it, keeps its sequence number and says it is unaligned. Forward and broadcast channels keep their barriers in order.
/// </summary>
public class BarrierPromotionTests
{
    private static readonly CheckpointAlignment WithTimeout = CheckpointAlignment.AlignedThenUnaligned(TimeSpan.FromSeconds(1));

    private static CheckpointBarrier Barrier(long id) => new(id, 0, WithTimeout);

    [Fact]
    public void The_first_queued_barrier_of_each_checkpoint_is_announced_once()
    {
        var gate = new InputGate<long>(2, 4, 0, 4);
        var announced = new List<long>();
        gate.BarrierQueued = b => announced.Add(b.CheckpointId);

        gate.Channels[0].SendEvent(Barrier(1));
        gate.Channels[1].SendEvent(Barrier(1));
        gate.Channels[0].SendEvent(Barrier(2));
        gate.Channels[1].SendEvent(Barrier(1)); // late: older than the last announced

        Assert.Equal([1L, 2L], announced);
    }

    [Fact]
    public void A_promoted_barrier_overtakes_the_records_and_end_of_input_before_it_keeping_its_sequence_and_saying_it_is_unaligned()
    {
        var gate = new InputGate<long>(2, 4, 0, 4);
        gate.Channels[0].Send([1, 2], 2); // sequence 0
        gate.Channels[0].SendEvent(EndOfInput.Instance); // 1
        gate.Channels[0].SendEvent(Barrier(1)); // 2: a finished upstream under the aligned timeout, in order behind its end
        gate.Channels[1].StaysAligned = true;
        gate.Channels[1].SendEvent(Barrier(1));

        gate.PromoteBarriers(1);
        gate.Channels[0].SendEvent(Barrier(1)); // sent after the promotion: skips the queue at once

        Assert.True(gate.TryTakePriority(out ChannelEntry<long> first, out int channel));
        Assert.Equal((0, 2L), (channel, first.Sequence));
        Assert.True(Assert.IsType<CheckpointBarrier>(first.Event).IsUnaligned);
        Assert.True(gate.TryTakePriority(out ChannelEntry<long> later, out _));
        Assert.True(Assert.IsType<CheckpointBarrier>(later.Event).IsUnaligned);
        Assert.False(gate.TryTakePriority(out _, out _)); // the forward channel's barrier stays in order

        Assert.Equal([(0L, new long[] { 1, 2 })], gate.ListQueuedBuffers(0, 2).Select(b => (b.Sequence, b.Records)));
        Assert.True(gate.TryTake(out ChannelEntry<long> records, out _));
        Assert.True(records.IsBuffer);
    }

    [Fact]
    public void A_barrier_sent_as_a_priority_event_says_it_is_unaligned_whoever_sent_it()
    {
        var gate = new InputGate<long>(1, 4, 0, 4);
        gate.Channels[0].SendPriorityEvent(Barrier(3));
        Assert.True(gate.TryTakePriority(out ChannelEntry<long> entry, out _));
        var barrier = Assert.IsType<CheckpointBarrier>(entry.Event);
        Assert.True(barrier.IsUnaligned);
        Assert.Equal(3, barrier.CheckpointId);
    }
}
