using DslFlow.Channels;

namespace DslFlow.Runtime.Tests.Channels;

public class InputGateTests
{
    private static long[] Buffer(params long[] values) => values;

    [Fact]
    public void Buffers_beyond_exclusive_credits_wait_in_the_backlog_until_the_receiver_takes()
    {
        var gate = new InputGate<long>(channelCount: 1, exclusiveCredits: 2, floatingCredits: 0, bufferSize: 4);
        InputChannel<long> channel = gate.Channels[0];

        Assert.True(channel.Send(Buffer(1), 1));
        Assert.True(channel.Send(Buffer(2), 1));
        Assert.False(channel.Send(Buffer(3), 1)); // no credit: the sender must pause
        Assert.Equal(2, channel.InFlightBuffers);
        Assert.Equal(1, channel.BacklogBuffers);
        Assert.True(channel.HasBacklog);

        Assert.True(gate.TryTake(out ChannelEntry<long> first, out _));
        Assert.Equal(1, first.Records![0]);
        Assert.False(channel.HasBacklog); // the returned credit admitted the waiting buffer
        Assert.Equal(2, channel.InFlightBuffers);
    }

    [Fact]
    public void Restored_buffers_are_taken_before_new_records_even_from_a_blocked_channel()
    {
        var gate = new InputGate<long>(channelCount: 2, exclusiveCredits: 2, floatingCredits: 0, bufferSize: 4);
        gate.EnqueueRecovered(0, Buffer(1, 2), 2);
        gate.Block(0); // e.g. waiting for a forward channel's barrier
        Assert.True(gate.Channels[1].Send(Buffer(100), 1));

        Assert.True(gate.TryTake(out ChannelEntry<long> first, out int channel));
        Assert.Equal(0, channel); // a restored record of a key may not be overtaken by a new one on another channel
        Assert.Equal([1L, 2L], first.Records!.Take(first.Count));
        Assert.True(gate.TryTake(out ChannelEntry<long> second, out channel));
        Assert.Equal(1, channel);
        Assert.Equal(100, second.Records![0]);
        Assert.False(gate.TryTake(out _, out _));
    }

    [Fact]
    public void Queued_data_counts_restored_and_credited_buffers_but_not_the_senders_backlog()
    {
        var gate = new InputGate<long>(channelCount: 2, exclusiveCredits: 1, floatingCredits: 0, bufferSize: 4);
        gate.EnqueueRecovered(0, Buffer(1, 2, 3), 3);
        Assert.True(gate.Channels[0].Send(Buffer(4), 1));
        Assert.False(gate.Channels[0].Send(Buffer(5, 6), 2)); // no credit left: backlog
        Assert.True(gate.Channels[1].Send(Buffer(7, 8), 2));

        Assert.Equal((3, 6L), gate.QueuedData());
    }

    [Fact]
    public void Floating_credits_are_shared_and_return_to_the_gate()
    {
        var gate = new InputGate<long>(channelCount: 2, exclusiveCredits: 1, floatingCredits: 1, bufferSize: 4);
        Assert.True(gate.Channels[0].Send(Buffer(1), 1));
        Assert.True(gate.Channels[0].Send(Buffer(2), 1)); // borrows the floating credit
        Assert.Equal(0, gate.FloatingCreditsAvailable);
        Assert.True(gate.Channels[1].Send(Buffer(10), 1));
        Assert.False(gate.Channels[1].Send(Buffer(11), 1)); // nothing left to borrow

        gate.Block(1);
        Assert.True(gate.TryTake(out ChannelEntry<long> e1, out int c1));
        Assert.Equal((0, 1L), (c1, e1.Records![0]));
        // A blocked channel borrows no floating credit: the returned one stays with the gate.
        Assert.True(gate.Channels[1].HasBacklog);
        Assert.Equal(1, gate.FloatingCreditsAvailable);

        gate.Unblock(1);
        Assert.False(gate.Channels[1].HasBacklog); // unblocking lets the waiting buffer borrow it
        Assert.Equal(2, gate.Channels[1].InFlightBuffers);
        Assert.Equal(0, gate.FloatingCreditsAvailable);
    }

    [Fact]
    public void A_blocked_channel_keeps_its_buffers_while_other_channels_flow()
    {
        var gate = new InputGate<long>(channelCount: 2, exclusiveCredits: 2, floatingCredits: 0, bufferSize: 4);
        gate.Block(0);
        gate.Channels[0].Send(Buffer(1), 1);
        gate.Channels[0].Send(Buffer(2), 1);
        Assert.False(gate.Channels[0].Send(Buffer(3), 1));

        for (int i = 0; i < 100; i++)
        {
            Assert.True(gate.Channels[1].Send(Buffer(100 + i), 1));
            Assert.True(gate.TryTake(out ChannelEntry<long> e, out int channel));
            Assert.Equal(1, channel);
            Assert.Equal(100 + i, e.Records![0]);
        }
        Assert.False(gate.TryTake(out _, out _));
        Assert.Equal(2, gate.Channels[0].InFlightBuffers);

        gate.Unblock(0);
        var seen = new List<long>();
        while (gate.TryTake(out ChannelEntry<long> e, out _))
        {
            seen.Add(e.Records![0]);
        }
        Assert.Equal([1L, 2L, 3L], seen);
    }

    [Fact]
    public void Events_keep_their_place_between_buffers_and_get_sequence_numbers()
    {
        var gate = new InputGate<long>(channelCount: 1, exclusiveCredits: 1, floatingCredits: 0, bufferSize: 4);
        InputChannel<long> channel = gate.Channels[0];
        channel.Send(Buffer(1), 1);
        channel.Send(Buffer(2), 1); // backlog
        channel.SendEvent(EndOfInput.Instance); // behind the backlog, though it needs no credit

        var order = new List<(long Sequence, string What)>();
        while (gate.TryTake(out ChannelEntry<long> e, out _))
        {
            order.Add((e.Sequence, e.IsBuffer ? $"buffer {e.Records![0]}" : e.Event!.ToString()!));
        }
        Assert.Equal([(0L, "buffer 1"), (1L, "buffer 2"), (2L, "EndOfInput")], order);
        Assert.True(gate.IsFinished);
    }

    [Fact]
    public void A_priority_event_overtakes_queued_buffers_which_can_be_listed_without_consuming_them()
    {
        var gate = new InputGate<long>(channelCount: 2, exclusiveCredits: 2, floatingCredits: 0, bufferSize: 4);
        InputChannel<long> channel = gate.Channels[1];
        channel.Send(Buffer(1, 2), 2);
        channel.Send(Buffer(3), 1);
        channel.Send(Buffer(4), 1); // backlog: still ahead of the event
        long sequence = channel.SendPriorityEvent(new TestEvent("barrier"));

        Assert.True(gate.HasPriorityEvents);
        Assert.True(gate.TryTakePriority(out ChannelEntry<long> priority, out int index));
        Assert.Equal((1, 3L, "barrier"), (index, priority.Sequence, ((TestEvent)priority.Event!).Name));

        IReadOnlyList<QueuedBuffer<long>> overtaken = gate.ListQueuedBuffers(1, sequence);
        Assert.Equal([0L, 1L, 2L], overtaken.Select(b => b.Sequence));
        Assert.Equal([1L, 2L, 3L, 4L], overtaken.SelectMany(b => b.Records));

        var taken = new List<long>();
        while (gate.TryTake(out ChannelEntry<long> e, out _))
        {
            taken.AddRange(e.Records!.AsSpan(0, e.Count).ToArray());
        }
        Assert.Equal([1L, 2L, 3L, 4L], taken); // listing consumed nothing
    }

    [Fact]
    public void A_priority_event_overtakes_a_queued_end_of_input_and_the_sender_sees_the_end_taken_only_after_the_buffers_before_it()
    {
        var gate = new InputGate<long>(channelCount: 2, exclusiveCredits: 1, floatingCredits: 0, bufferSize: 4);
        InputChannel<long> channel = gate.Channels[0];
        channel.Send(Buffer(1, 2), 2);
        channel.Send(Buffer(3), 1); // backlog
        channel.SendEvent(EndOfInput.Instance);
        long sequence = channel.SendPriorityEvent(new TestEvent("barrier")); // a finished sender's barrier

        Assert.True(gate.TryTakePriority(out ChannelEntry<long> priority, out _));
        Assert.Equal(3, priority.Sequence);
        Assert.Equal([1L, 2L, 3L], gate.ListQueuedBuffers(0, sequence).SelectMany(b => b.Records)); // not the end of input
        Assert.False(channel.EndTaken);

        var taken = new List<string>();
        while (gate.TryTake(out ChannelEntry<long> e, out _))
        {
            Assert.Equal(!e.IsBuffer, channel.EndTaken); // the end is taken only after every buffer before it
            taken.Add(e.IsBuffer ? $"buffer {e.Records![0]}" : e.Event!.ToString()!);
        }
        Assert.Equal(["buffer 1", "buffer 3", "EndOfInput"], taken);
        Assert.True(channel.EndTaken);
        Assert.False(gate.IsFinished); // channel 1 is still open
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InputGate<long>(0, 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InputGate<long>(1, 0, 0, 1));
        var gate = new InputGate<long>(1, 1, 0, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => gate.Channels[0].BufferSize = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => gate.Channels[0].Send(new long[1], 2));
    }

    [Fact]
    public void An_overtaking_barrier_kept_in_order_on_a_forward_channel_does_not_use_up_the_announcement_of_its_checkpoint()
    {
        var gate = new InputGate<long>(channelCount: 2, exclusiveCredits: 2, floatingCredits: 0, bufferSize: 4);
        var announced = new List<DslFlow.Checkpointing.CheckpointBarrier>();
        gate.BarrierQueued = announced.Add;
        gate.Channels[0].StaysAligned = true;
        var timed = new DslFlow.Checkpointing.CheckpointBarrier(1, 0, DslFlow.Checkpointing.CheckpointAlignment.AlignedThenUnaligned(TimeSpan.FromSeconds(10)));

        // The forward channel's upstream switched checkpoint 1 to unaligned: its barrier stays in order but has no deadline.
        gate.Channels[0].SendPriorityEvent(timed.AsUnaligned());
        gate.Channels[1].SendEvent(timed); // the keyed channel's barrier, queued behind buffers, with the deadline to watch

        Assert.Contains(announced, b => b.AlignedDeadline is not null); // the aligned timeout can still watch checkpoint 1
    }
}

internal sealed class TestEvent(string name) : ChannelEvent
{
    public string Name { get; } = name;

    public override string ToString() => Name;
}
