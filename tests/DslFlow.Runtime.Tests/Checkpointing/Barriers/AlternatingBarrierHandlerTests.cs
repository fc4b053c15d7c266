using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Barriers;

/// <summary>
/// The barrier state machine under aligned checkpoints with a timeout (Flink 1.13): a checkpoint aligns until its
/// timeout elapses or an overtaking barrier of it arrives, then continues unaligned; forward channels still deliver in
/// order first. The clock and the timers are the test's: it fires a timeout by calling the handler.
/// </summary>
public class AlternatingBarrierHandlerTests
{
    private const bool Keyed = false;
    private const bool Forward = true;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly RecordingBarrierActions _actions = new();

    private CheckpointBarrierHandler Create(params bool[] staysAligned) =>
        new(staysAligned.Length, CheckpointAlignment.AlignedThenUnaligned(Timeout), staysAligned, _actions);

    /// <summary>An aligned barrier with the timeout, triggered <paramref name="ago"/> before the test's now.</summary>
    private CheckpointBarrier A(long id, TimeSpan ago = default) =>
        new(id, (_actions.Now - ago).ToUnixTimeMilliseconds(), CheckpointAlignment.AlignedThenUnaligned(Timeout));

    private CheckpointBarrier U(long id) => A(id).AsUnaligned();

    [Fact]
    public void An_alignment_that_completes_in_time_snapshots_aligned_and_the_late_timer_does_nothing()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        handler.OnBarrier(A(1, ago: TimeSpan.FromSeconds(4)), 0, 3);
        Assert.Equal(["block 0", "timer 1 in 6000 ms"], _actions.Take()); // the timeout counts from the trigger
        handler.OnBarrier(A(1), 1, 8);
        Assert.Equal(["block 1", "unblock 0", "unblock 1", "snapshot 1 aligned"], _actions.Take());

        handler.OnAlignedTimeout(1);
        Assert.Empty(_actions.Log);
    }

    [Fact]
    public void The_timeout_switches_the_alignment_to_unaligned_and_promotes_the_barriers_still_owed()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed, Keyed);
        handler.OnBarrier(A(1), 2, 4);
        _actions.Take();
        handler.OnAlignedTimeout(1);
        Assert.Equal(["snapshot 1 unaligned", "complete 2", "unblock 2", "promote 1"], _actions.Take());
        Assert.IsType<CollectingBarriersUnaligned>(handler.State);

        handler.OnBarrier(U(1), 0, 9); // promoted: it overtook the buffers before it
        handler.OnBarrier(A(1), 1, 5); // arrived in order before the promotion took it
        Assert.Equal(["record 0 @9", "record 1 @5", "acknowledge 1 with channel state"], _actions.Take());
    }

    [Fact]
    public void A_switch_after_a_forward_channel_delivered_waits_for_the_other_forward_channel_then_snapshots()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Forward, Forward);
        handler.OnBarrier(A(1, ago: TimeSpan.FromSeconds(11)), 1, 2); // late already: it switches at once
        Assert.Equal(["block 1", "promote 1"], _actions.Take()); // the forward channel that delivered waits for the other
        Assert.IsType<WaitingForAlignedChannels>(handler.State);

        handler.OnBarrier(A(1), 2, 6);
        Assert.Equal(["block 2", "snapshot 1 unaligned", "complete 1", "complete 2", "unblock 1", "unblock 2"], _actions.Take());
        handler.OnBarrier(U(1), 0, 3);
        Assert.Equal(["record 0 @3", "acknowledge 1 with channel state"], _actions.Take());
    }

    [Fact]
    public void Switching_a_newer_checkpoint_to_unaligned_declines_the_older_one_still_recording()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        TimeSpan late = TimeSpan.FromSeconds(11);
        handler.OnBarrier(A(1, late), 0, 1); // switched at once; channel 1 still owes barrier 1
        Assert.Equal(["block 0", "snapshot 1 unaligned", "complete 0", "unblock 0", "promote 1"], _actions.Take());

        handler.OnBarrier(A(2, late), 0, 5); // checkpoint 2 starts before checkpoint 1 could complete
        Assert.Equal(["drop 1", "cancel marker 1", "decline 1: barrier 2 arrived before every barrier of 1",
            "block 0", "snapshot 2 unaligned", "complete 0", "unblock 0", "promote 2"], _actions.Take());
        handler.OnBarrier(A(1), 1, 2); // stale now
        handler.OnBarrier(A(2), 1, 6);
        Assert.Equal(["record 1 @6", "acknowledge 2 with channel state"], _actions.Take());
    }

    [Fact]
    public void An_overtaking_barrier_of_a_newer_checkpoint_ends_the_older_alignment_and_declines_it()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        handler.OnBarrier(A(1), 0, 1); // aligned checkpoint 1: channel 0 is blocked
        _actions.Take();
        handler.OnBarrier(U(2), 1, 4); // an upstream switched checkpoint 2 to unaligned

        Assert.Equal(["unblock 0", "cancel marker 1", "decline 1: barrier 2 overtook the alignment of 1",
            "snapshot 2 unaligned", "record 1 @4", "promote 2"], _actions.Take());
        handler.OnBarrier(U(2), 0, 7);
        Assert.Equal(["record 0 @7", "acknowledge 2 with channel state"], _actions.Take());
    }

    [Fact]
    public void Unaligned_because_an_upstream_switched_first_the_task_promotes_its_other_queued_barriers()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        // Channel 1's barrier waits behind a backlog; channel 0's upstream switched checkpoint 1 to unaligned.
        handler.OnBarrier(U(1), 0, 9);
        Assert.Equal(["snapshot 1 unaligned", "record 0 @9", "promote 1"], _actions.Take()); // it does not wait for the backlog
        handler.OnBarrier(U(1), 1, 250); // promoted: the 250 buffers before it are channel state
        Assert.Equal(["record 1 @250", "acknowledge 1 with channel state"], _actions.Take());
    }

    [Fact]
    public void An_overtaking_barrier_of_the_checkpoint_aligning_switches_it_and_counts_as_that_channels_delivery()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed, Keyed);
        handler.OnBarrier(A(1), 0, 1);
        _actions.Take();
        handler.OnBarrier(U(1), 1, 3);
        Assert.Equal(["snapshot 1 unaligned", "complete 0", "unblock 0", "promote 1", "record 1 @3"], _actions.Take());
        handler.OnEndOfInput(2);
        Assert.Equal(["complete 2", "acknowledge 1 with channel state"], _actions.Take());
    }

    [Fact]
    public void A_newer_aligned_barrier_declines_the_unaligned_checkpoint_waiting_for_a_forward_channel()
    {
        CheckpointBarrierHandler handler = Create(Forward, Keyed);
        handler.OnBarrier(U(1), 1, 2); // checkpoint 1 went unaligned upstream: it waits here for the forward channel
        Assert.Equal(["block 1", "promote 1"], _actions.Take());
        handler.OnBarrier(A(2), 0, 5); // the forward upstream never took checkpoint 1: its next barrier is 2
        handler.OnBarrier(A(2), 1, 6);

        Assert.Equal(["unblock 1", "cancel marker 1", "decline 1: barrier 2 arrived before every barrier of 1", "block 0", "timer 2 in 10000 ms",
            "block 1", "unblock 0", "unblock 1", "snapshot 2 aligned"], _actions.Take());
    }

    [Fact]
    public void A_timeout_of_a_checkpoint_not_seen_yet_promotes_its_queued_barriers()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        handler.OnAlignedTimeout(1); // its barrier was announced queued (behind an end of input, say) and is late now
        Assert.Equal(["promote 1"], _actions.Take());
        handler.OnBarrier(U(1), 0, 5); // promoted: it overtook the records before it
        handler.OnBarrier(A(1), 1, 2);
        Assert.Equal(["snapshot 1 unaligned", "record 0 @5", "promote 1", "record 1 @2", "acknowledge 1 with channel state"], _actions.Take());

        handler.OnAlignedTimeout(1); // stale
        Assert.Empty(_actions.Log);
    }

    [Fact]
    public void A_timeout_while_an_unaligned_checkpoint_records_promotes_its_barriers_still_queued()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        handler.OnBarrier(U(1), 0, 5);
        _actions.Take();
        handler.OnAlignedTimeout(1);
        Assert.Equal(["promote 1"], _actions.Take());
    }

    [Fact]
    public void The_cancel_of_the_checkpoint_aligning_unblocks_and_forwards_without_declining()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        handler.OnBarrier(A(1), 0, 1);
        _actions.Take();
        handler.OnCancelMarker(1);
        Assert.Equal(["unblock 0", "cancel marker 1"], _actions.Take());
        handler.OnAlignedTimeout(1); // its timer fires later: nothing to switch
        Assert.Empty(_actions.Log);
    }
}
